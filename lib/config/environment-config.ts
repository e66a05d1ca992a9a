import { RemovalPolicy } from 'aws-cdk-lib';
import * as z from 'zod';
import { sourceFolders } from '../../lambdas/sources/catalogue';
import { catalogueSources } from '../../lambdas/sources';
import {
  isPlaceholderUrl,
  secretsManagerArn,
  SourceSettings,
  sourceSettingsSchema,
  withSettings,
} from '../../lambdas/sources/source-settings';
import { describeIssues } from '../../lambdas/shared/zod-issues';

/** The catalogue's source names, read when a configuration is checked (so PIPELINE_SOURCES_PATH counts). */
const catalogueNames = () => sourceFolders().map((folder) => folder.name);

const catalogueHas = () =>
  `the catalogue has ${catalogueNames()
    .map((name) => `"${name}"`)
    .join(', ')}`;

/** EventBridge Scheduler's cron: six fields, as `cron(0 6 * * ? *)`. */
const CRON = /^cron\((\S+\s+){5}\S+\)$/;

/** Everything that differs between dev, staging and prod, checked before anything is synthesized. */
export const environmentConfigSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]{1,20}$/, 'lower-case letters, digits and -, 2–21 characters'),
    /**
     * The sources this environment runs, by folder name under sources/. @default every source whose
     * base URL (source.yml's, or `sourceSettings.<name>.baseUrl`) is a real one
     */
    sources: z
      .array(
        z.string().refine((name) => catalogueNames().includes(name), {
          error: (issue) => `no source folder is named "${String(issue.input)}"; ${catalogueHas()}`,
        }),
      )
      .min(1, 'at least one source')
      .refine((names) => new Set(names).size === names.length, 'each source once')
      .optional(),
    /** Per source: where its API is here, which resources run, how fast, how often (docs/deploy.md). */
    sourceSettings: z
      // Names are checked against the catalogue in deployedSources (a record's key refinement loses its message).
      .record(z.string(), sourceSettingsSchema)
      .default({}),
    schedule: z
      .object({
        expression: z.string().regex(CRON, 'a six-field cron expression such as "cron(0 6 * * ? *)"'),
        enabled: z.boolean(),
      })
      .strict(),
    /** Who is told about failed runs and alarms; none subscribes nobody (subscribe later in SNS). */
    alertEmail: z.email('an e-mail address').optional(),
    /**
     * A Slack channel the alerts also go to, through AWS Chatbot: the workspace id (authorize the
     * workspace once in the Chatbot console) and the channel id (in Slack: the channel's details).
     */
    slack: z
      .object({
        workspaceId: z.string().regex(/^[A-Z0-9]{9,}$/, 'the Slack workspace id, e.g. T0123ABCDE'),
        channelId: z.string().regex(/^[A-Z0-9]{9,}$/, 'the Slack channel id, e.g. C0123ABCDE'),
      })
      .strict()
      .optional(),
    retention: z
      .object({
        /** Days Lambda and state machine logs are kept. */
        logDays: z.number().int().positive(),
        /** Days rejected records stay in the failed bucket. */
        failedDays: z.number().int().positive(),
        /** Days before raw pages move to S3 Standard-IA (the archive of record; never deleted). */
        rawInfrequentAccessDays: z
          .number()
          .int()
          .min(30, 'S3 moves objects to Standard-IA after 30 days at the earliest'),
        /** Days before raw pages move to Glacier Instant Retrieval. */
        rawGlacierDays: z.number().int().positive(),
        /** Days before transformed Parquet moves to Standard-IA (Snowpipe has loaded it by then). */
        transformedInfrequentAccessDays: z
          .number()
          .int()
          .min(30, 'S3 moves objects to Standard-IA after 30 days at the earliest'),
      })
      .strict()
      .refine((days) => days.rawGlacierDays > days.rawInfrequentAccessDays, {
        message: 'rawGlacierDays must come after rawInfrequentAccessDays',
        path: ['rawGlacierDays'],
      }),
    /** Lambda memory in MB per step; validate needs the most (docs/benchmarks.md). */
    memoryMb: z
      .object({
        extract: z.number().int().min(128).max(10240),
        validate: z.number().int().min(512, 'validate needs 512 MB for its flat memory profile').max(10240),
        small: z.number().int().min(128).max(10240),
      })
      .strict(),
    /** How many source/resource pairs extract (and validate) at once. */
    maxConcurrency: z.number().int().min(1).max(40),
    /**
     * What the state machine writes to its log group. ERROR without execution data by default: each
     * transition logged with its data costs a CloudWatch line per state of every page group, and the
     * data (batch ids, keys, counts) is in the execution history anyway. Dev logs everything.
     */
    stateMachineLogging: z
      .object({
        level: z.enum(['ALL', 'ERROR', 'FATAL', 'OFF']),
        includeExecutionData: z.boolean(),
      })
      .strict()
      .default({ level: 'ERROR', includeExecutionData: false }),
    /** `retain` keeps buckets, queues and logs when the stack is deleted; `destroy` removes them (dev only). */
    removalPolicy: z.enum(['retain', 'destroy']),
    /** The real-time path (docs/streaming.md): POST /events → Kinesis → Firehose → the transformed bucket. */
    streaming: z
      .object({
        /** API Gateway usage plan: steady requests per second and burst, per API key. */
        rateLimit: z.number().positive(),
        burstLimit: z.number().int().positive(),
        /** Firehose buffering before it writes an object: size in MiB (1–128) and interval in seconds (0–900). */
        bufferingSizeMiB: z.number().int().min(1).max(128),
        bufferingIntervalSeconds: z.number().int().min(0).max(900),
        /**
         * API Gateway writes logs through one role per account and region (its account setting). `create`
         * (default): this stack makes one and sets it, kept when the stack is deleted, since the other
         * environments' APIs in the account log through the same setting. `existing`: the account has it
         * already (`aws apigateway get-account` shows a cloudwatchRoleArn); nothing is made.
         */
        apiGatewayLogRole: z.enum(['create', 'existing']).default('create'),
      })
      .strict()
      .optional(),
    /** The Snowflake side (docs/snowflake.md); without it the pipeline stops at the transformed bucket. */
    snowflake: z
      .object({
        /** Secrets Manager secret with the connection: {account, user, privateKey[, role]} (docs/snowflake.md). */
        secretArn: secretsManagerArn,
        database: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a plain Snowflake identifier'),
        warehouse: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a plain Snowflake identifier'),
        /**
         * Existing objects (database, integration, stage, pipe names) the first deploy may take over:
         * they are marked as this stack's and dropped with it (docs/snowflake.md, "Ownership").
         */
        adoptExisting: z
          .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_$]*$/, 'a plain Snowflake identifier'))
          .default([]),
      })
      .strict()
      .optional(),
  })
  .strict()
  .transform((config, ctx) => ({ ...config, sources: deployedSources(config, ctx) }));

/**
 * The sources an environment deploys: the ones it names, or every one with a real base URL. A named
 * source whose URL is a placeholder (events.example.com) fails the synth: its first run could reach no API.
 */
function deployedSources(
  config: { sources?: string[]; sourceSettings: Record<string, SourceSettings> },
  ctx: z.RefinementCtx,
): string[] {
  const definitions = new Map(catalogueSources().map((definition) => [definition.name, definition]));
  for (const [name, settings] of Object.entries(config.sourceSettings)) {
    if (!definitions.has(name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['sourceSettings', name],
        message: `no source folder is named "${name}"; ${catalogueHas()}`,
      });
      continue;
    }
    const offered = definitions.get(name)?.resources.map((resource) => resource.name) ?? [];
    for (const resource of settings.resources ?? []) {
      if (offered.includes(resource)) continue;
      ctx.addIssue({
        code: 'custom',
        path: ['sourceSettings', name, 'resources'],
        message: `source "${name}" has no resource "${resource}"; its source.yml has ${offered.join(', ')}`,
      });
    }
  }
  const baseUrlOf = (name: string) =>
    withSettings(definitions.get(name)!, config.sourceSettings[name]).baseUrl ?? '';
  const known = (config.sources ?? [...definitions.keys()]).filter((name) => definitions.has(name));
  if (!config.sources) return known.filter((name) => !isPlaceholderUrl(baseUrlOf(name)));
  for (const name of known.filter((name) => isPlaceholderUrl(baseUrlOf(name)))) {
    ctx.addIssue({
      code: 'custom',
      path: ['sourceSettings', name, 'baseUrl'],
      message:
        `source "${name}" is enabled but its base URL ${baseUrlOf(name) || '(none)'} is a placeholder: ` +
        `set where its API is, e.g. -c overrides='{"sourceSettings":{"${name}":{"baseUrl":"https://…"}}}', ` +
        `or leave it out of sources`,
    });
  }
  return known;
}

/** The catalogue's sources an environment leaves out because their base URL is a placeholder. */
export function sourcesWithoutEndpoint(config: EnvironmentConfig): string[] {
  return catalogueSources()
    .filter((definition) => !config.sources.includes(definition.name))
    .filter((definition) =>
      isPlaceholderUrl(withSettings(definition, config.sourceSettings[definition.name]).baseUrl ?? ''),
    )
    .map((definition) => definition.name);
}

export type EnvironmentConfig = z.infer<typeof environmentConfigSchema>;

/** Thrown by `cdk synth` on a bad setting: it names the environment, the field and what is expected. */
export class EnvironmentConfigError extends Error {
  override readonly name = 'EnvironmentConfigError';
}

/** Checks a configuration, or fails naming every wrong or missing setting. */
export function parseEnvironmentConfig(candidate: unknown, where: string): EnvironmentConfig {
  const parsed = environmentConfigSchema.safeParse(candidate);
  if (parsed.success) return parsed.data;
  throw new EnvironmentConfigError(
    `environment ${where} is misconfigured: ${describeIssues(parsed.error).join('; ')} (lib/config/environments.ts)`,
  );
}

/** `retain` keeps data-holding resources when a stack is deleted; `destroy` removes them (dev). */
export function removalPolicyOf(config: Pick<EnvironmentConfig, 'removalPolicy'>): RemovalPolicy {
  return config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
}
