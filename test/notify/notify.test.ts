import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lambdas/notify/handler';
import { buildRunNotice, consoleLink } from '../../lambdas/notify/run-notice';
import type { RunCounts } from '../../lambdas/shared/step-messages';

const executionArn = 'arn:aws:states:eu-west-1:123456789012:execution:Pipeline-prod:run-42';
const summary: RunCounts & { batchId: string; logicalDate: string } = {
  batchId: 'run-42',
  logicalDate: '2026-11-21',
  totals: { extracted: 120, valid: 118, rejected: 2, quarantinedPages: 0 },
  resources: [
    {
      source: 'fakestore',
      resource: 'carts',
      pages: 1,
      extracted: 20,
      valid: 18,
      rejected: 2,
      quarantinedPages: 0,
      rejectKeys: ['fakestore/carts/dt=2026-11-21/batch=run-42/rejects-g000-00001.jsonl.gz'],
      tables: { carts: 18 },
      parquetKeys: ['fakestore/carts/dt=2026-11-21/batch=run-42/part-g000-00001.parquet'],
      warnings: [],
    },
    {
      source: 'gfn',
      resource: 'countries',
      pages: 1,
      extracted: 100,
      valid: 100,
      rejected: 0,
      quarantinedPages: 0,
      rejectKeys: [],
      tables: { countries: 100 },
      parquetKeys: ['gfn/countries/dt=2026-11-21/batch=run-42/part-g000-00001.parquet'],
      warnings: [],
    },
  ],
};

describe('run notice', () => {
  const now = new Date('2026-11-22T06:03:05Z');

  it('reports a run with rejects as PARTIAL, with counts per resource, where the rejects are, duration and link', () => {
    const notice = buildRunNotice(
      { status: 'succeeded', executionArn, startedAt: '2026-11-22T06:00:00Z', summary },
      now,
    );
    expect(notice.outcome).toBe('PARTIAL');
    expect(notice.subject).toBe('Pipeline PARTIAL 2026-11-21: 118 valid, 2 rejected');
    expect(notice.message).toContain('succeeded with rejects or warnings in 3 min 5 s');
    expect(notice.message).toContain(
      'fakestore/carts: 20 extracted, 18 valid, 2 rejected → fakestore/carts/dt=2026-11-21/batch=run-42/rejects-g000-00001.jsonl.gz',
    );
    expect(notice.message).toContain('gfn/countries: 100 extracted, 100 valid\n');
    expect(notice.message).toContain(`Execution: ${consoleLink(executionArn)}`);
    expect(consoleLink(executionArn)).toBe(
      `https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${executionArn}`,
    );
  });

  it('lists batch-level and data-quality warnings, and calls the run PARTIAL for them', () => {
    const clean = {
      ...summary,
      totals: { ...summary.totals, rejected: 0 },
      resources: [
        { ...summary.resources[1]!, warnings: ['gfn/countries: 0 records in this batch against 5000'] },
      ],
    };
    const notice = buildRunNotice(
      {
        status: 'succeeded',
        executionArn,
        startedAt: '2026-11-22T06:00:00Z',
        summary: clean,
        quality: {
          verdict: 'warn',
          checks: 40,
          failed: [],
          warned: ['fakestore__products: anomaly(row_count) = 2'],
        },
      },
      now,
    );
    expect(notice.outcome).toBe('PARTIAL');
    expect(notice.message).toContain('Data quality: 40 checks.');
    expect(notice.message).toContain(
      'Warnings (2):\n  warn gfn/countries: 0 records in this batch against 5000\n  warn fakestore__products: anomaly(row_count) = 2',
    );
  });

  it('reports a clean run as SUCCEEDED', () => {
    const clean = {
      ...summary,
      totals: { ...summary.totals, rejected: 0 },
      resources: [summary.resources[1]!],
    };
    const notice = buildRunNotice(
      { status: 'succeeded', executionArn, startedAt: '2026-11-22T06:02:55Z', summary: clean },
      now,
    );
    expect(notice.outcome).toBe('SUCCEEDED');
    expect(notice.message).toContain('succeeded in 10 s');
  });

  it('reports a failure with the error message Lambda put in the cause, and that a re-run is safe', () => {
    const cause = JSON.stringify({
      errorType: 'AuthError',
      errorMessage:
        '[gfn/countries] GET https://api.example/v1/countries: the API refused the credentials (HTTP 401)',
    });
    const notice = buildRunNotice(
      {
        status: 'failed',
        executionArn,
        startedAt: '2026-11-22T06:00:00Z',
        batchId: 'run-42',
        error: { Error: 'AuthError', Cause: cause },
      },
      now,
    );
    expect(notice.outcome).toBe('FAILED');
    expect(notice.subject).toBe('Pipeline FAILED (batch run-42)');
    expect(notice.message).toContain(
      'AuthError: [gfn/countries] GET https://api.example/v1/countries: the API refused',
    );
    expect(notice.message).toContain('re-running the day is safe');
  });
});

describe('notify handler', () => {
  const sns = mockClient(SNSClient);
  const saved = process.env.ALERTS_TOPIC_ARN;
  afterEach(() => {
    sns.reset();
    process.env.ALERTS_TOPIC_ARN = saved;
  });

  it('publishes one message with an outcome attribute subscribers can filter on', async () => {
    process.env.ALERTS_TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:alerts';
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const answer = await handler({
      status: 'succeeded',
      executionArn,
      startedAt: '2026-11-22T06:00:00Z',
      summary,
    });
    expect(answer).toEqual({ outcome: 'PARTIAL', messageId: 'm-1' });
    const sent = sns.commandCalls(PublishCommand);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.args[0].input).toMatchObject({
      TopicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts',
      Subject: 'Pipeline PARTIAL 2026-11-21: 118 valid, 2 rejected',
      MessageAttributes: { outcome: { DataType: 'String', StringValue: 'PARTIAL' } },
    });
  });

  it('says which setting is missing', async () => {
    delete process.env.ALERTS_TOPIC_ARN;
    await expect(
      handler({ status: 'failed', executionArn, startedAt: '2026-11-22T06:00:00Z' }),
    ).rejects.toThrow(/ALERTS_TOPIC_ARN is not set/);
  });
});
