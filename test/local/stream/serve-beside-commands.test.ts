import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { streamEvent as event } from '../../support/local-stream';

/**
 * `npm run serve` as a user runs it, in its own process, with the other commands run beside it in
 * theirs: DuckDB allows one writing process per file, so this is where a held lock would show.
 */
const repository = join(__dirname, '..', '..', '..');
const tsx = require.resolve('tsx/cli');

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function command(script: string, args: string[]): { child: ChildProcess; finished: Promise<Finished> } {
  const child = spawn(process.execPath, [tsx, script, ...args], { cwd: repository });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const finished = new Promise<Finished>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, finished };
}

describe('npm run serve beside npm run sql and npm run report', () => {
  const dataDirectory = mkdtempSync(join(tmpdir(), 'serve-'));
  afterAll(() => rmSync(dataDirectory, { recursive: true, force: true }));

  const sql = async (query: string) =>
    await command('local/sql-cli.ts', ['--data-dir', dataDirectory, query]).finished;

  it('loads while the other commands query between loads; Ctrl-C flushes, loads and exits 0', async () => {
    const serve = command('local/stream/cli.ts', ['--port', '0', '--data-dir', dataDirectory]);
    let output = '';
    serve.child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        const match = /POST events to (\S+)/.exec(output);
        if (match) resolve(match[1]!);
        else if (Date.now() - started > 20_000) reject(new Error(`serve did not start: ${output}`));
        if (match || Date.now() - started > 20_000) clearInterval(poll);
      }, 50);
    });
    const post = (events: unknown[]) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(events),
      });

    expect((await post([event('a1'), event('a2'), event('a3')])).status).toBe(200);
    // Firehose's 5 s interval writes the file, the local Snowpipe loads it and lets the warehouse go.
    let counted: Finished | undefined;
    for (let attempt = 0; attempt < 20; attempt += 1) {
      counted = await sql('select count(*) as n from raw.stream__events');
      if (counted.code === 0 && /\n3\s*\n/.test(counted.stdout)) break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    expect(counted).toMatchObject({ code: 0, stdout: expect.stringMatching(/\n3\s*\n/) });
    const report = await command('local/report/cli.ts', ['--data-dir', dataDirectory]).finished;
    expect(report).toMatchObject({ code: 0, stdout: expect.stringContaining('Report written') });

    // Accepted, still in the Firehose buffer when Ctrl-C comes: flushed and loaded on the way out.
    expect((await post([event('b1')])).status).toBe(200);
    serve.child.kill('SIGINT');
    const stopped = await serve.finished;
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(/Flushed and stopped: 2 file\(s\) written, 4 row\(s\) loaded\./);
    expect(stopped.stderr).toBe('');

    const after = await sql('select id from clean.stream__events order by id');
    expect(after.code).toBe(0);
    expect(after.stdout.match(/^(a1|a2|a3|b1)\s*$/gm)).toEqual(['a1', 'a2', 'a3', 'b1']);
  }, 90_000);
});
