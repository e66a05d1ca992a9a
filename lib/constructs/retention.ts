import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/** CloudWatch Logs only takes certain retention periods: the nearest one at least as long as asked. */
export function retentionOf(days: number): RetentionDays {
  const allowed = Object.values(RetentionDays)
    .filter((value): value is RetentionDays => typeof value === 'number' && value > 0)
    .sort((a, b) => a - b);
  return allowed.find((value) => value >= days) ?? RetentionDays.INFINITE;
}
