import * as z from 'zod';
import { ConfigError } from '../shared/errors';
import { describeIssues } from '../shared/zod-issues';

/**
 * A source is configuration, not code: this schema is the whole vocabulary a new API may use.
 * Everything is validated at start-up, and a bad field is named by its path in the error.
 */

const identifier = z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be snake_case: a-z, 0-9 and _');

/** A secret is named, never written here: Secrets Manager in AWS, an environment variable locally. */
const secretRef = z
  .object({ secret: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'must be UPPER_SNAKE_CASE') })
  .strict();

const authConfig = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }).strict(),
  z
    .object({
      type: z.literal('api_key'),
      in: z.enum(['header', 'query']),
      name: z.string().min(1),
      value: secretRef,
    })
    .strict(),
  z
    .object({
      type: z.literal('basic'),
      username: z.union([z.string(), secretRef]),
      password: secretRef,
    })
    .strict(),
  z
    .object({
      /** WS-Security UsernameToken (PasswordText) in the SOAP envelope's Header, for SOAP services. */
      type: z.literal('wsse_username_token'),
      username: z.union([z.string(), secretRef]),
      password: secretRef,
    })
    .strict(),
  z
    .object({
      type: z.literal('oauth2_client_credentials'),
      /** Absolute, or relative to baseUrl (`oauth/token`). */
      tokenUrl: z.string().min(1),
      clientId: secretRef,
      clientSecret: secretRef,
      scope: z.string().optional(),
      /** How the client authenticates to the token endpoint (RFC 6749 §2.3.1). */
      clientAuth: z.enum(['basic', 'body']).default('basic'),
      /** Refresh this long before the token's expiry so no request carries a token about to lapse. */
      expirySkewSeconds: z.number().int().min(0).default(60),
    })
    .strict(),
]);

// Off by default: an API that silently caps the page size would otherwise end the walk early, a silent gap.
const stopOnShortPage = z.boolean().default(false);

const paginatorConfig = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }).strict(),
  z
    .object({
      type: z.literal('offset'),
      offsetParam: z.string().default('offset'),
      limitParam: z.string().default('limit'),
      limit: z.number().int().positive(),
      totalPath: z.string().optional(),
      hasMorePath: z.string().optional(),
      stopOnShortPage,
    })
    .strict(),
  z
    .object({
      type: z.literal('page_number'),
      pageParam: z.string().default('page'),
      startPage: z.number().int().min(0).default(1),
      sizeParam: z.string().optional(),
      size: z.number().int().positive().optional(),
      totalPagesPath: z.string().optional(),
      hasMorePath: z.string().optional(),
      stopOnShortPage,
    })
    .strict(),
  z
    .object({
      type: z.literal('cursor'),
      cursorParam: z.string().default('cursor'),
      cursorPath: z.string().min(1),
      hasMorePath: z.string().optional(),
      sizeParam: z.string().optional(),
      size: z.number().int().positive().optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('next_link'),
      /** Where the next URL is: a body path, or the `Link: <…>; rel="next"` header when absent. */
      nextUrlPath: z.string().optional(),
    })
    .strict(),
]);

const responseAction = z
  .object({
    status: z.union([z.number().int().min(100).max(599), z.literal('5xx'), z.literal('4xx')]),
    /** retry: back off and try again; refresh_token: get a new token once, then retry; ignore: treat as an empty page; fail: stop with an error. */
    action: z.enum(['retry', 'refresh_token', 'ignore', 'fail']),
  })
  .strict();

const incrementalConfig = z
  .object({
    cursorField: z.string().min(1),
    type: z.enum(['timestamp', 'number']),
    initialValue: z.union([z.string(), z.number()]),
    /** Query parameter that carries the start value; omit when only partitions use the cursor. */
    param: z.string().optional(),
    /**
     * Query parameter that bounds a backfill's window: with it (and `param`), a timestamp resource can
     * fetch a past day on its own (docs/sources.md, "Backfill"). Written as the start is: `iso`, the
     * instant the window ends (exclusive); `date`, the window's last day (inclusive).
     */
    endParam: z.string().optional(),
    /** How the start value is written in the request. */
    paramFormat: z.enum(['iso', 'date', 'raw']).default('iso'),
    /** Re-read this much before the saved cursor (seconds for timestamps, units for numbers), for late updates. */
    lag: z.number().min(0).default(0),
  })
  .strict();

const partitionConfig = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('parent'),
      resource: identifier,
      field: z.string().min(1),
      /** The `{placeholder}` in the path that takes the parent's value. */
      param: z.string().min(1),
    })
    .strict(),
  z
    .object({ type: z.literal('list'), param: z.string().min(1), values: z.array(z.string()).min(1) })
    .strict(),
  z
    .object({
      type: z.literal('range'),
      param: z.string().min(1),
      /** A number, or `cursor` to start from the incremental start value. */
      from: z.union([z.number().int(), z.literal('cursor')]),
      to: z.union([z.number().int(), z.literal('current_year')]),
      step: z.number().int().positive().default(1),
    })
    .strict(),
]);

/**
 * A request with a body (a SOAP envelope, an XML query): POSTed, its `{{name}}` placeholders filled
 * with the values the pipeline would otherwise put in the query string under that name (the
 * paginator's page and size, the incremental start, a partition's value), XML-escaped.
 */
const requestBody = z
  .object({
    body: z.string().min(1),
    /** SOAP 1.1: text/xml with a SOAPAction header; 1.2: application/soap+xml with an action parameter. */
    soap: z
      .object({ version: z.enum(['1.1', '1.2']).default('1.1'), action: z.string().default('') })
      .strict()
      .optional(),
    contentType: z.string().optional(),
  })
  .strict();

const resourceConfig = z
  .object({
    name: identifier,
    path: z.string().startsWith('/'),
    request: requestBody.optional(),
    params: z.record(z.string(), z.string()).default({}),
    recordsPath: z.string().optional(),
    paginator: paginatorConfig.optional(),
    primaryKey: z.array(z.string().min(1)).min(1),
    incremental: incrementalConfig.optional(),
    partitions: partitionConfig.optional(),
    /** Resources off by default run only when asked for by name. */
    enabled: z.boolean().default(true),
  })
  .strict();

export const sourceConfigSchema = z
  .object({
    name: identifier,
    baseUrl: z.url(),
    auth: authConfig,
    headers: z.record(z.string(), z.string()).default({}),
    /** What the API answers: JSON, or XML (SOAP envelopes included), read as docs/sources.md says. */
    format: z.enum(['json', 'xml']).default('json'),
    recordsPath: z.string().default(''),
    paginator: paginatorConfig.default({ type: 'none' }),
    timeoutMs: z.number().int().positive().default(30_000),
    rateLimit: z
      .object({
        requestsPerMinute: z.number().positive().optional(),
        concurrency: z.number().int().positive().default(4),
      })
      .strict()
      .default({ concurrency: 4 }),
    retry: z
      .object({
        maxAttempts: z.number().int().min(1).max(20).default(5),
        baseDelayMs: z.number().int().min(0).default(500),
        maxDelayMs: z.number().int().min(0).default(30_000),
      })
      .strict()
      .default({ maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 }),
    /** Per-status actions, checked before the defaults (429/5xx retry, 401 refresh or fail, other 4xx fail). */
    responseActions: z.array(responseAction).default([]),
    resources: z.array(resourceConfig).min(1),
  })
  .strict()
  .superRefine((source, ctx) => {
    const names = new Set<string>();
    source.resources.forEach((resource, index) => {
      if (names.has(resource.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['resources', index, 'name'],
          message: `duplicate resource name "${resource.name}"`,
        });
      }
      names.add(resource.name);
    });
    source.resources.forEach((resource, index) => {
      if (source.format === 'xml' && !(resource.recordsPath ?? source.recordsPath))
        ctx.addIssue({
          code: 'custom',
          path: ['resources', index, 'recordsPath'],
          message:
            'an XML source needs the path to its repeated record element (e.g. Envelope.Body.GetItemsResponse.Items.Item)',
        });
      const partitions = resource.partitions;
      if (partitions?.type === 'parent') {
        const parent = source.resources.find((candidate) => candidate.name === partitions.resource);
        if (!parent || parent.partitions) {
          ctx.addIssue({
            code: 'custom',
            path: ['resources', index, 'partitions', 'resource'],
            message: parent
              ? `parent "${partitions.resource}" is itself partitioned; only one level of parent → child is supported`
              : `names no resource of this source ("${partitions.resource}")`,
          });
        }
      }
      if (partitions?.type === 'range' && partitions.from === 'cursor' && !resource.incremental) {
        ctx.addIssue({
          code: 'custom',
          path: ['resources', index, 'partitions', 'from'],
          message: '"cursor" needs an incremental config on the resource',
        });
      }
      if (partitions && !resource.path.includes(`{${partitions.param}}`)) {
        ctx.addIssue({
          code: 'custom',
          path: ['resources', index, 'path'],
          message: `must contain {${partitions.param}} for its partitions`,
        });
      }
    });
  });

/** What a source author writes (defaults may be left out). */
export type SourceConfigInput = z.input<typeof sourceConfigSchema>;
/** A validated source with every default filled in. */
export type SourceConfig = z.output<typeof sourceConfigSchema>;
export type ResourceConfig = SourceConfig['resources'][number];
export type AuthConfig = SourceConfig['auth'];
export type PaginatorConfig = z.output<typeof paginatorConfig>;
export type IncrementalConfig = z.output<typeof incrementalConfig>;
export type PartitionConfig = z.output<typeof partitionConfig>;
export type ResponseAction = z.output<typeof responseAction>['action'];
export type RequestBodyConfig = z.output<typeof requestBody>;

/** Typed helper for source modules: the compiler checks the shape, start-up checks the values. */
export function defineSource(source: SourceConfigInput): SourceConfigInput {
  return source;
}

export function parseSourceConfig(input: unknown, origin: string): SourceConfig {
  const result = sourceConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = describeIssues(result.error);
  throw new ConfigError(
    `source config ${origin} is invalid:\n  - ${problems.join('\n  - ')}`,
    {},
    'fix the named fields (docs/sources.md lists every option)',
  );
}

/** The effective records path and paginator of a resource (its own, else the source's). */
export function effectiveResource(source: SourceConfig, resource: ResourceConfig) {
  return {
    recordsPath: resource.recordsPath ?? source.recordsPath,
    paginator: resource.paginator ?? source.paginator,
  };
}
