import S3rver from 's3rver';
import type { AddressInfo } from 'node:net';

export interface LocalS3 {
  /** Endpoint for `AWS_ENDPOINT_URL_S3`. */
  endpoint: string;
  server: S3rver;
  stop(): Promise<void>;
}

export interface LocalS3Options {
  /** Where objects are kept (a folder of the local data directory, or a temp dir in tests). */
  directory: string;
  buckets: string[];
  port?: number;
}

/**
 * An S3 wire-protocol endpoint on loopback (s3rver). The handlers talk to it with the real AWS SDK; only
 * the endpoint differs. s3rver predates S3's conditional writes, so a small middleware adds them
 * (If-Match / If-None-Match on PUT, answered 412 as S3 does): state commits depend on them.
 */
export async function startLocalS3(options: LocalS3Options): Promise<LocalS3> {
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    silent: true,
    directory: options.directory,
    allowMismatchedSignatures: true,
    configureBuckets: options.buckets.map((name) => ({ name })),
  });
  server.middleware.unshift(conditionalWrites());
  const address: AddressInfo = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    server,
    stop: async () => {
      server.httpServer?.closeAllConnections();
      await server.close();
    },
  };
}

type Middleware = S3rver['middleware'][number];

function conditionalWrites(): Middleware {
  // Conditional PUTs of one key run one at a time, so check-then-write cannot interleave.
  const locks = new Map<string, Promise<void>>();
  return async (ctx, next) => {
    const ifMatch = ctx.headers['if-match'];
    const ifNoneMatch = ctx.headers['if-none-match'];
    const isObjectPut = ctx.method === 'PUT' && !('x-amz-copy-source' in ctx.headers);
    if (!isObjectPut || (!ifMatch && !ifNoneMatch)) return next();

    const [, bucket, ...keyParts] = ctx.path.split('/');
    const key = decodeURIComponent(keyParts.join('/'));
    const lockKey = `${bucket}/${key}`;
    const previous = locks.get(lockKey) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((resolve) => (release = resolve));
    const chain = previous.then(() => current);
    locks.set(lockKey, chain);
    await previous;
    try {
      const etag = await ctx.store.getMetadata(bucket!, key).then(
        (metadata) => metadata.etag,
        () => undefined,
      );
      const failed =
        (ifNoneMatch === '*' && etag !== undefined) || (ifMatch !== undefined && ifMatch !== etag);
      if (failed) {
        ctx.status = 412;
        ctx.type = 'application/xml';
        ctx.body =
          '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code>' +
          '<Message>At least one of the pre-conditions you specified did not hold</Message></Error>';
        return;
      }
      await next();
    } finally {
      release();
      if (locks.get(lockKey) === chain) locks.delete(lockKey);
    }
  };
}
