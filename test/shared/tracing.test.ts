import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { createSocket, Socket } from 'node:dgram';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';

/** A segment document as the X-Ray SDK sends it to the daemon (the part after the header line). */
interface SegmentDocument {
  name: string;
  id: string;
  parent_id?: string;
  annotations?: Record<string, unknown>;
  aws?: { operation?: string };
  cause?: { exceptions?: Array<{ message?: string }> };
  fault?: boolean;
  error?: boolean;
}

describe('tracing in Lambda (X-Ray, through a loopback daemon)', () => {
  const sent: SegmentDocument[] = [];
  let daemon: Socket;
  let s3: Server;
  const saved = { ...process.env };

  beforeAll(async () => {
    daemon = createSocket('udp4');
    daemon.on('message', (message) => {
      // "{"format": "json", "version": 1}\n{…}": a header line, then the document.
      const [, body] = message.toString().split('\n');
      sent.push(JSON.parse(body!) as SegmentDocument);
    });
    await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
    s3 = createServer((_request, response) => {
      response.setHeader('content-type', 'application/xml');
      response.end('<ListAllMyBucketsResult><Buckets></Buckets></ListAllMyBucketsResult>');
    });
    await new Promise<void>((resolve) => s3.listen(0, '127.0.0.1', resolve));
    // What Lambda sets for a function with active tracing.
    Object.assign(process.env, {
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      LAMBDA_TASK_ROOT: '/var/task',
      _HANDLER: 'index.handler',
      _X_AMZN_TRACE_ID: 'Root=1-67a1b2c3-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1',
      AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${(daemon.address() as AddressInfo).port}`,
      AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
      POWERTOOLS_SERVICE_NAME: 'pipeline-extract',
      AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${(s3.address() as AddressInfo).port}`,
    });
  });

  afterAll(() => {
    process.env = saved;
    daemon.close();
    s3.close();
  });

  it('puts each invocation in a subsegment holding its AWS SDK calls, cold start and service annotated, an error as metadata', async () => {
    let handler!: (event: { fail: boolean }) => Promise<number>;
    jest.isolateModules(() => {
      // Loaded afresh, as in a Lambda container: the tracer reads the environment when its module loads,
      // which a static import would do before beforeAll set it.
      /* eslint-disable @typescript-eslint/no-require-imports */
      const { poweredHandler } =
        require('../../lambdas/shared/powered-handler') as typeof import('../../lambdas/shared/powered-handler');
      const { createS3Client } =
        require('../../lambdas/shared/s3-client') as typeof import('../../lambdas/shared/s3-client');
      /* eslint-enable @typescript-eslint/no-require-imports */
      const client: S3Client = createS3Client();
      handler = poweredHandler(async (event: { fail: boolean }) => {
        const listed = await client.send(new ListBucketsCommand({}));
        if (event.fail) throw new Error('the source answered HTML');
        return listed.Buckets?.length ?? 0;
      });
    });

    await expect(handler({ fail: false })).resolves.toBe(0);
    await expect(handler({ fail: true })).rejects.toThrow('the source answered HTML');
    await new Promise((resolve) => setTimeout(resolve, 200));

    const invocations = sent.filter((document) => document.name === '## index.handler');
    expect(invocations).toHaveLength(2);
    expect(invocations.map((document) => document.annotations)).toEqual([
      { ColdStart: true, Service: 'pipeline-extract' },
      { ColdStart: false, Service: 'pipeline-extract' },
    ]);
    for (const invocation of invocations) {
      // Under the function's own segment, which Lambda opened (the trace header's Parent).
      expect(invocation.parent_id).toBe('53995c3f42cd8ad8');
      // Subsegments are sent one by one as they close, each naming its parent.
      const calls = sent.filter((document) => document.parent_id === invocation.id && document.name === 'S3');
      expect(calls.map((call) => call.aws?.operation)).toEqual(['ListBuckets']);
    }
    expect(invocations[0]!.fault ?? invocations[0]!.error).toBeFalsy();
    expect(invocations[1]!.cause?.exceptions?.[0]?.message).toBe('the source answered HTML');
  });
});
