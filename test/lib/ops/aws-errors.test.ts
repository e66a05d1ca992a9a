import { createServer } from 'node:net';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { explainAwsError } from '../../../lib/ops/aws-errors';
import { OperatorError } from '../../../lib/ops/operator-error';

/** What a real SDK call fails with, from a client built with `config`. */
async function failureOf(config: ConstructorParameters<typeof CloudFormationClient>[0]): Promise<unknown> {
  const client = new CloudFormationClient({ maxAttempts: 1, ...config });
  return client.send(new DescribeStacksCommand({ StackName: 'Pipeline-dev' })).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('what an ops command says when AWS cannot be used', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('names the missing region, in one line that says what to set', async () => {
    for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE']) delete process.env[name];
    process.env.AWS_CONFIG_FILE = '/nonexistent/config';
    const explained = explainAwsError(
      await failureOf({ credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }),
    );
    expect(explained).toBeInstanceOf(OperatorError);
    expect(explained.message).toMatch(/^no AWS region: set AWS_REGION/);
  });

  it('names missing credentials', async () => {
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'])
      delete process.env[name];
    process.env.AWS_CONFIG_FILE = '/nonexistent/config';
    process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/credentials';
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    const explained = explainAwsError(await failureOf({ region: 'eu-west-1' }));
    expect(explained.message).toMatch(/^no AWS credentials found: set AWS_PROFILE/);
  });

  it('says the endpoint could not be reached, naming it, when nothing answers', async () => {
    // A port that was just free: connecting to it is refused.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const explained = explainAwsError(
      await failureOf({
        region: 'eu-west-1',
        endpoint: `http://127.0.0.1:${port}`,
        credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      }),
    );
    expect(explained.message).toMatch(
      new RegExp(
        `^AWS could not be reached \\(.*127\\.0\\.0\\.1:${port}\\): ECONNREFUSED\\. Check the network`,
      ),
    );
    expect(explained.message.split('\n')).toHaveLength(1);
  });

  it('leaves any other error as it is, an explained one too', () => {
    const other = Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
    expect(explainAwsError(other)).toBe(other);
    const explained = explainAwsError(
      Object.assign(new Error('getaddrinfo ENOTFOUND x'), { code: 'ENOTFOUND' }),
    );
    expect(explainAwsError(explained)).toBe(explained);
  });
});
