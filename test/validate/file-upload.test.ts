import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { UPLOAD_PART_BYTES, uploadFile } from '../../lambdas/validate/fast-path/file-upload';
import { readObjectBytes, startTestEnvironment, TestEnvironment } from '../support/environment';

/** A file leaves in 5 MiB parts read into one reused buffer; what lands must be the file, byte for byte. */
describe('validate: a local file uploaded in parts through one buffer', () => {
  let env: TestEnvironment;
  let directory: string;
  beforeAll(async () => {
    env = await startTestEnvironment();
    directory = mkdtempSync(join(tmpdir(), 'file-upload-'));
  }, 60_000);
  afterAll(async () => {
    rmSync(directory, { recursive: true, force: true });
    await env.close();
  });

  const fileOf = (name: string, content: Buffer) => {
    const file = join(directory, name);
    writeFileSync(file, content);
    return file;
  };
  const send = (s3: S3Client, key: string, file: string, bytes: number) =>
    uploadFile({
      s3,
      bucket: 'transformed',
      key,
      file,
      bytes,
      contentType: 'application/octet-stream',
      buffer: Buffer.alloc(UPLOAD_PART_BYTES),
    });

  it('sends a file of several parts, the last one short, byte for byte', async () => {
    const content = randomBytes(2 * UPLOAD_PART_BYTES + 12_345);
    await send(env.s3, 'upload/three-parts', fileOf('three-parts', content), content.length);
    expect((await readObjectBytes(env.s3, 'transformed', 'upload/three-parts')).equals(content)).toBe(true);
  });

  it('sends a file of at most one part as one object, and only the bytes it is told', async () => {
    const content = randomBytes(1000);
    await send(env.s3, 'upload/small', fileOf('small', content), 600);
    expect(
      (await readObjectBytes(env.s3, 'transformed', 'upload/small')).equals(content.subarray(0, 600)),
    ).toBe(true);
  });

  it('aborts the multipart upload when a part fails, so S3 keeps no orphaned parts', async () => {
    const s3 = mockClient(S3Client);
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
    s3.on(UploadPartCommand).rejectsOnce(new Error('connection reset')).resolves({ ETag: '"e"' });
    s3.on(AbortMultipartUploadCommand).resolves({});
    try {
      const content = randomBytes(UPLOAD_PART_BYTES + 1);
      await expect(
        send(new S3Client({}), 'upload/failed', fileOf('failed', content), content.length),
      ).rejects.toThrow('connection reset');
      expect(s3.commandCalls(AbortMultipartUploadCommand)[0]?.args[0].input).toEqual({
        Bucket: 'transformed',
        Key: 'upload/failed',
        UploadId: 'upload-1',
      });
      expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
    } finally {
      s3.restore();
    }
  });

  it('says what is wrong when the file is shorter than the bytes to send', async () => {
    const file = fileOf('short', randomBytes(UPLOAD_PART_BYTES + 10));
    await expect(send(env.s3, 'upload/short', file, UPLOAD_PART_BYTES + 20)).rejects.toThrow(
      `${file} ended before its ${UPLOAD_PART_BYTES + 20} bytes`,
    );
  });
});
