/**
 * The custom resource's time, from the outside in. CloudFormation waits up to an hour for it; the
 * Provider framework's function (15 minutes, fixed by the CDK; its `totalTimeout` applies only to an
 * isComplete handler, which this resource has no need of) waits for the setup function; the setup
 * function has 10 minutes; each statement it sends has less, so Snowflake stops a slow one with its own
 * error while the function still has time to undo a Create.
 */
export const SETUP_TIME_LIMITS = {
  functionSeconds: 600,
  statementSeconds: 240,
  lockSeconds: 120,
  /** What the Provider framework's onEvent function is given by the CDK (aws-cdk-lib custom-resources). */
  frameworkSeconds: 900,
} as const;

/**
 * Time a statement may need (its statement timeout) plus the undo after it: a statement is not started
 * with less left, so a slow Create fails and cleans up instead of being cut off by Lambda half-way,
 * which would leave what it made behind.
 */
export const TIME_PER_STATEMENT_MS = (SETUP_TIME_LIMITS.statementSeconds + 30) * 1000;
