import * as z from 'zod';
import { ConfigError } from '../shared/errors';
import { describeIssues } from '../shared/zod-issues';
import type { SourceConfigInput } from './source-config';

/** A Secrets Manager secret's ARN, as the console shows it. */
export const secretsManagerArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, 'a Secrets Manager secret ARN');

/**
 * What an environment says about one of its sources (lib/config/environments.ts), over what the
 * source's folder says: where its API is, which resources run, how fast to call it, how often. The CDK
 * app hands them to the functions that read the catalogue as one JSON variable.
 */
export const sourceSettingsSchema = z
  .object({
    /** The API's base URL in this environment (source.yml's is the default). */
    baseUrl: z.url().optional(),
    /** The Secrets Manager secret holding this source's keys (default: the pipeline's SourceCredentials). */
    secretArn: secretsManagerArn.optional(),
    /** The resources a scheduled run extracts (default: those source.yml enables); others run when named. */
    resources: z.array(z.string().min(1)).min(1).optional(),
    rateLimit: z
      .object({
        requestsPerMinute: z.number().positive().optional(),
        concurrency: z.number().int().min(1).max(50).optional(),
      })
      .strict()
      .optional(),
    /** How often the source runs: with the daily run (default), or in a run of its own every hour. */
    schedule: z.enum(['daily', 'hourly']).optional(),
  })
  .strict();

export type SourceSettings = z.infer<typeof sourceSettingsSchema>;

/** The variable the CDK app sets on plan and extract: `{ "<source>": SourceSettings }`. */
export const SOURCE_SETTINGS_VARIABLE = 'PIPELINE_SOURCE_SETTINGS';

/** The settings of every source in the environment's variable (none when it is unset). */
export function settingsFromEnvironment(env: NodeJS.ProcessEnv): Record<string, SourceSettings> {
  const text = env[SOURCE_SETTINGS_VARIABLE];
  if (!text) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      `${SOURCE_SETTINGS_VARIABLE} is not JSON (${(error as Error).message})`,
      {},
      'redeploy: the CDK app writes it from lib/config/environments.ts',
    );
  }
  const parsed = z.record(z.string(), sourceSettingsSchema).safeParse(value);
  if (!parsed.success)
    throw new ConfigError(
      `${SOURCE_SETTINGS_VARIABLE} is invalid: ${describeIssues(parsed.error).join('; ')}`,
      {},
      'redeploy: the CDK app writes it from lib/config/environments.ts',
    );
  return parsed.data;
}

/**
 * A source's definition with its environment's settings applied: the base URL and rate limit replace
 * source.yml's, and a resource list leaves the others to runs that name them.
 */
export function withSettings(
  definition: SourceConfigInput,
  settings: SourceSettings | undefined,
): SourceConfigInput {
  if (!settings) return definition;
  return {
    ...definition,
    ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}),
    ...(settings.rateLimit ? { rateLimit: { ...definition.rateLimit, ...settings.rateLimit } } : {}),
    ...(settings.resources
      ? {
          resources: definition.resources.map((resource) => ({
            ...resource,
            enabled: settings.resources!.includes(resource.name),
          })),
        }
      : {}),
  };
}

/** Hosts reserved for examples and tests (RFC 2606, RFC 6761): a base URL on one reaches no real API. */
const PLACEHOLDER_HOST = /(^|\.)(example\.(com|org|net)|example|invalid|test|localhost)$/i;

/** Whether a base URL is a placeholder that must be replaced before a deploy. */
export function isPlaceholderUrl(url: string): boolean {
  try {
    return PLACEHOLDER_HOST.test(new URL(url).hostname);
  } catch {
    return true;
  }
}
