import type { Context } from 'aws-lambda';
import { readLogsInto } from '../../local/readable-logs';
import type { LoggedLine } from '../../local/run-printer';
import { logger } from '../../lambdas/shared/logger';
import { metrics } from '../../lambdas/shared/metrics';
import { poweredHandler } from '../../lambdas/shared/powered-handler';

const context = {
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  functionName: 'pipeline-prod-plan',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:pipeline-prod-plan',
  memoryLimitInMB: '256',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

describe("every step's Lambda entry", () => {
  it("puts the invocation's context on every log line and counts the cold start", async () => {
    const coldStart = jest.spyOn(metrics, 'captureColdStartMetric');
    const lines: LoggedLine[] = [];
    const level = logger.getLevelName();
    logger.setLogLevel('INFO');
    const restore = readLogsInto((line) => lines.push(line));
    try {
      const step = poweredHandler(async (event: { n: number }) => {
        logger.info('step ran', { n: event.n });
        return event.n * 2;
      });
      expect(await step({ n: 21 }, context)).toBe(42);
    } finally {
      restore();
      logger.setLogLevel(level);
    }
    expect(lines).toEqual([
      expect.objectContaining({
        message: 'step ran',
        function_request_id: context.awsRequestId,
        function_name: 'pipeline-prod-plan',
        cold_start: expect.any(Boolean),
      }),
    ]);
    expect(coldStart).toHaveBeenCalledWith('pipeline-prod-plan');
    coldStart.mockRestore();
  });

  it('runs the step as it is without a Lambda context (locally, in tests)', async () => {
    const coldStart = jest.spyOn(metrics, 'captureColdStartMetric');
    const step = poweredHandler(async (_event: unknown, clock?: { getRemainingTimeInMillis(): number }) =>
      clock?.getRemainingTimeInMillis(),
    );
    expect(await step({}, { getRemainingTimeInMillis: () => 5 })).toBe(5);
    expect(coldStart).not.toHaveBeenCalled();
    coldStart.mockRestore();
  });
});
