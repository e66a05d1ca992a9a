import { ConfigError } from '../../lambdas/shared/errors';
import { EventIngestor, StreamRecord } from '../../lambdas/ingest/ingest-events';
import {
  compileContract,
  createValidator,
  loadContracts,
  type Contract,
} from '../../lambdas/contracts/contract';
import { streamEvent as event } from '../support/local-stream';

/** The stream's sink and failed bucket in memory: what each request handed over. */
function capture(contract: Contract) {
  const lines: Array<Record<string, unknown>> = [];
  const refused: unknown[] = [];
  const ingestor = new EventIngestor(
    contract,
    { put: async (records: StreamRecord[]) => void lines.push(...records.map((r) => JSON.parse(r.line))) },
    {
      put: async (rejects) => {
        refused.push(...rejects.map((reject) => reject.event));
        return 'failed-key';
      },
    },
    { now: () => new Date('2026-12-04T06:00:00.000Z') },
  );
  let n = 0;
  const send = (body: unknown) =>
    ingestor.ingest({
      contentType: 'application/json',
      body: JSON.stringify(body),
      requestId: `req-${(n += 1)}`,
    });
  const sendText = (body: string) =>
    ingestor.ingest({ contentType: 'application/json', body, requestId: `req-${(n += 1)}` });
  return { lines, refused, send, sendText };
}

const contracts = loadContracts();
const streamContract = contracts.get('stream/events')!;

describe("the stream's contract: undeclared fields kept in _extra, never a verdict from earlier requests", () => {
  it('gives a request the same verdict whatever came before it (no evolved column decides it)', async () => {
    const afterRed = capture(streamContract);
    expect((await afterRed.send(event('e1', { color: 'red' }))).statusCode).toBe(200);
    const seven = await afterRed.send(event('e2', { color: 7 }));
    const alone = await capture(streamContract).send(event('e2', { color: 7 }));
    expect({ ...seven, body: { ...seven.body, requestId: 'any' } }).toEqual({
      ...alone,
      body: { ...alone.body, requestId: 'any' },
    });
    expect(seven).toMatchObject({ statusCode: 200, body: { accepted: 1 } });
    expect(afterRed.lines.map((line) => [line.id, line._extra])).toEqual([
      ['e1', '{"color":"red"}'],
      ['e2', '{"color":7}'],
    ]);
  });

  it('keeps every undeclared field, at any depth and of any name, in _extra and none in a column of its own', async () => {
    const { lines, sendText } = capture(streamContract);
    const answer = await sendText(
      '{"id":"e3","type":"signup","occurred_at":"2026-11-22T06:00:00Z","updated_at":"2026-11-22T06:00:00Z",' +
        '"context":{"browser":"Firefox","device":{"os":"linux"}},"__proto__":{"admin":true},"_extra":"mine","tags":["a"]}',
    );
    expect(answer.statusCode).toBe(200);
    expect(lines[0]!.context__browser).toBe('Firefox');
    expect(JSON.parse(lines[0]!._extra as string)).toEqual(
      JSON.parse('{"context":{"device":{"os":"linux"}},"__proto__":{"admin":true},"_extra":"mine"}'),
    );
    expect(Object.getPrototypeOf(JSON.parse(lines[0]!._extra as string))).toBe(Object.prototype);
  });

  it('writes every line with the same columns however many new fields arrive: the table never grows', async () => {
    const { lines, send } = capture(streamContract);
    const columnsBefore = streamContract.tables[0]!.columns.map((column) => column.name);
    for (let request = 0; request < 50; request += 1) {
      const events = Array.from({ length: 20 }, (_, index) =>
        event(
          `r${request}-${index}`,
          Object.fromEntries(Array.from({ length: 30 }, (_, f) => [`f${request}_${index}_${f}`, f])),
        ),
      );
      expect((await send(events)).statusCode).toBe(200);
    }
    expect(streamContract.tables[0]!.columns.map((column) => column.name)).toEqual(columnsBefore);
    const shapes = new Set(lines.map((line) => Object.keys(line).join(',')));
    expect(shapes.size).toBe(1);
    expect(lines).toHaveLength(1000);
  });

  it('refuses an integer a double would round instead of storing it rounded, declared or not', async () => {
    const { lines, sendText } = capture(streamContract);
    const base = '"type":"purchase","occurred_at":"2026-11-22T06:00:00Z","updated_at":"2026-11-22T06:00:00Z"';
    const answer = await sendText(
      `[{"id":"big1",${base},"amount":12345678901234567890},{"id":"big2",${base},"count":9007199254740993},{"id":"ok",${base},"count":9007199254740991}]`,
    );
    expect(answer.statusCode).toBe(207);
    expect(
      answer.body.results!.map((result) => [result.id, result.status, result.reasons?.[0]?.rule]),
    ).toEqual([
      ['big1', 'rejected', 'out_of_range'],
      ['big2', 'rejected', 'out_of_range'],
      ['ok', 'accepted', undefined],
    ]);
    expect(lines.map((line) => line._extra)).toEqual(['{"count":9007199254740991}']);
  });

  it('writes timestamps as ISO 8601 and the lineage of the request in every line', async () => {
    const { lines, send } = capture(streamContract);
    await send(event('t1'));
    expect(lines[0]).toMatchObject({
      occurred_at: '2026-11-22T06:00:00.000Z',
      _batch_id: 'req-1',
      _extracted_at: '2026-12-04T06:00:00.000Z',
      _source_key: 'api:POST /events',
      _record_hash: expect.stringMatching(/^[0-9a-f]{16,}$/),
    });
  });

  it('refuses to start on a contract in mode evolve, whose verdicts would depend on earlier requests', () => {
    const evolving = contracts.get('events_apikey/events')!;
    expect(evolving.mode).toBe('evolve');
    expect(() => capture(evolving)).toThrow(ConfigError);
    expect(() => capture(evolving)).toThrow(/mode evolve/);
  });

  it('refuses a keep_extra contract that declares a field named _extra itself, which would be overwritten', () => {
    const schema = {
      type: 'object',
      'x-pipeline': { mode: 'keep_extra', primaryKey: ['id'] },
      properties: { id: { type: 'string' }, _extra: { type: 'string' } },
    };
    expect(() => compileContract('mine', 'things', schema, createValidator())).toThrow(
      /declares a field "_extra", the column mode keep_extra keeps undeclared fields in/,
    );
  });

  it('keeps the undeclared fields of a refused event in the failed bucket, as sent', async () => {
    const { refused, send } = capture(streamContract);
    await send(event('bad', { type: 'teleport', color: 'red', context: { device: 'ios' } }));
    expect(refused).toEqual([event('bad', { type: 'teleport', color: 'red', context: { device: 'ios' } })]);
  });
});
