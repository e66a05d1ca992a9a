import S3rver from 's3rver';
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

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
  atomicPuts(server);
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

interface ObjectToStore {
  bucket: string;
  key: string;
  content: Buffer | Readable;
  metadata: Record<string, string>;
}

interface FilesystemStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  putObject(object: ObjectToStore): Promise<{ size: number; md5: string }>;
}

/**
 * S3 replaces an object at once: a GET sees the old body or the new one. s3rver truncates the file
 * and writes into it, so a reader racing a writer (page groups updating the schema registry) reads
 * half a JSON document. Its store writes a temporary file and renames it over the object instead.
 */
function atomicPuts(server: S3rver): void {
  const store = (server as unknown as { store: FilesystemStore }).store;
  store.putObject = async (object) => {
    const objectPath = store.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(dirname(objectPath), { recursive: true });
    const temporary = `${objectPath}.${randomUUID()}.tmp`;
    const md5 = createHash('md5');
    let size = 0;
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        md5.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    const content = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
    await pipeline(content, counted, createWriteStream(temporary));
    await rename(temporary, objectPath);
    const digest = md5.digest('hex');
    await store.putMetadata(object.bucket, object.key, object.metadata, digest);
    return { size, md5: digest };
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
