// s3rver ships no type declarations; this is the part of its API the project uses.
declare module 's3rver' {
  import type { Server } from 'node:http';
  import type { AddressInfo } from 'node:net';

  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory: string;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    configureBuckets?: Array<{ name: string; configs?: Array<string | Buffer> }>;
  }

  interface S3rverContext {
    method: string;
    path: string;
    headers: Record<string, string | undefined>;
    status: number;
    body: unknown;
    type: string;
    store: { getMetadata(bucket: string, key: string): Promise<{ etag: string }> };
  }

  type Middleware = (context: S3rverContext, next: () => Promise<void>) => Promise<void>;

  class S3rver {
    constructor(options: S3rverOptions);
    middleware: Middleware[];
    httpServer?: Server;
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
    on(event: 'event', listener: (event: { Records: Array<Record<string, unknown>> }) => void): this;
  }
  export = S3rver;
}
