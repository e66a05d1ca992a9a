import { Logger } from '@aws-lambda-powertools/logger';
import { loggedLine, readLogsInto } from '../../local/readable-logs';
import { LoggedLine, RunPrinter } from '../../local/run-printer';

describe("npm start says the handlers' warnings in words, under their resource", () => {
  it('takes a real Powertools line off the terminal, and lets every other write through', () => {
    const logger = new Logger({ serviceName: 'test', logLevel: 'WARN' });
    const caught: LoggedLine[] = [];
    const write = process.stdout.write;
    const restore = readLogsInto((line) => caught.push(line));
    try {
      logger.warn('retryable status, backing off', { source: 'gfn', resource: 'countries', status: 503 });
      logger.error('request failed', { source: 'gfn', resource: 'years' });
    } finally {
      restore();
    }
    expect(process.stdout.write).toBe(write);
    expect(caught).toEqual([
      expect.objectContaining({ level: 'WARN', message: 'retryable status, backing off', status: 503 }),
      expect.objectContaining({ level: 'ERROR', message: 'request failed', resource: 'years' }),
    ]);
    // Not a log line: a progress line, JSON that is not Powertools', a pretty-printed object.
    expect(loggedLine('  ✓ gfn/countries  1 page\n')).toBeUndefined();
    expect(loggedLine('{"rows":3}')).toBeUndefined();
    expect(loggedLine('{"level":"WARN",\n"message":"x"}')).toBeUndefined();
  });

  it("prints a resource's retries under its line when it is done, and a later warning where it happens", () => {
    const lines: string[] = [];
    const printer = new RunPrinter((line) => lines.push(line));
    printer.logged({
      level: 'WARN',
      message: 'retryable status, backing off',
      source: 'gfn',
      resource: 'years',
      status: 503,
      attempt: 1,
      delayMs: 400,
    });
    expect(lines).toEqual([]);
    printer.extracted(
      { source: 'gfn', resource: 'years', pages: 1, records: 59, done: true, retries: 1 } as never,
      1.2,
    );
    printer.logged({ level: 'WARN', message: 'slow answer', source: 'gfn', resource: 'years' });
    printer.logged({ level: 'ERROR', message: 'no resource here', error: 'boom' });
    expect(lines).toEqual([
      'Extract (API → s3://raw)',
      expect.stringMatching(/^ {2}✓ gfn\/years +1 page +59 records {2}1\.2 s, 1 retries$/),
      '      ↻ retryable status, backing off (HTTP 503, attempt 1, next in 0.4 s)',
      '  ! gfn/years: slow answer',
      '  ! no resource here (boom)',
    ]);
  });
});
