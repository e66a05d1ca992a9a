import type { Contract } from '../contracts/contract';
import { jsonLineOf } from '../contracts/json-line';
import { RowBuilder } from '../contracts/row-builder';
import type { Reason } from '../contracts/reasons';
import { RecordChecker } from '../contracts/record-checker';
import { ConfigError } from '../shared/errors';
import { logger } from '../shared/logger';
import { bodyFingerprint, Claim, RequestRecords } from './request-records';
import { ExactNumbers, parseJsonExact } from '../shared/exact-json';
import {
  limitBreach,
  MAX_RECORD_DEPTH,
  RecordRejection,
  rejectableRecord,
  unprocessableReason,
  ValueLimits,
} from '../contracts/record-limits';
import { ColumnSpec, primaryKeyColumns, writtenColumns } from '../contracts/table-spec';

/** At most this many events per request, as Kinesis takes them in one PutRecords. */
export const MAX_EVENTS_PER_REQUEST = 500;
/** Request bodies above this are refused (API Gateway's own limit is 10 MB). */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * What one event may hold, checked on the parsed body by an iterative scan before the contract, the
 * hash or any serializer (all recursive) touch it. An event beyond them is refused with the reason.
 */
export const EVENT_LIMITS: ValueLimits = {
  maxDepth: MAX_RECORD_DEPTH,
  maxStringChars: 64 * 1024,
  maxKeys: 1000,
  wellFormedText: true,
};

/** One accepted event as the stream carries it: its table row as a JSON line, and the key it is sharded by. */
export interface StreamRecord {
  partitionKey: string;
  line: string;
}

/** Where accepted events go: Kinesis in AWS, a Firehose stand-in locally. */
export interface EventSink {
  put(records: StreamRecord[]): Promise<void>;
}

/** Where refused events go, with their reasons: the failed bucket. */
export interface RejectStore {
  put(
    rejects: Array<{ index: number; event: unknown; reasons: Reason[] }>,
    requestId: string,
    receivedAt: Date,
  ): Promise<string>;
}

export interface IngestRequest {
  contentType?: string;
  body?: string;
  requestId: string;
  /** The `Idempotency-Key` header, when the producer sent one. */
  idempotencyKey?: string;
}

export interface IngestAnswer {
  statusCode: 200 | 207 | 400 | 409 | 413 | 415 | 422 | 503;
  /** The answer of an earlier request with the same Idempotency-Key, given again (nothing stored twice). */
  replayed?: boolean;
  body: {
    /** The request's id: the `_batch_id` of its rows, the name of its refusals' file; quote it when asking. */
    requestId?: string;
    accepted: number;
    rejected: number;
    results?: Array<{ index: number; id?: unknown; status: 'accepted' | 'rejected'; reasons?: Reason[] }>;
    error?: string;
    rejectsKey?: string;
  };
}

const refuse = (statusCode: 400 | 409 | 413 | 415 | 422 | 503, error: string): IngestAnswer => ({
  statusCode,
  body: { accepted: 0, rejected: 0, error },
});

/** The headers of an answer, the same from the Lambda and the local server. */
export const answerHeaders = (answer: IngestAnswer): Record<string, string> => ({
  'content-type': 'application/json',
  ...(answer.replayed ? { 'idempotent-replayed': 'true' } : {}),
});

/** Visible ASCII, as HTTP header values are safely: a UUID, a hash, an order number. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export interface EventIngestorOptions {
  now?: () => Date;
  /** Where requests sent with an Idempotency-Key are remembered; without it the header is ignored. */
  requestRecords?: RequestRecords<IngestAnswer>;
}

/**
 * POST /events: one event or an array of up to 500 (or `{ "events": [...] }`). Each event is checked
 * against the events contract; accepted ones go to the stream as rows, refused ones to the failed
 * bucket with their reasons. Bad input is never a 5xx: 400 (not JSON, empty, too many), 413 (too
 * large), 415 (not JSON content), 207 when some events were refused. With an Idempotency-Key, a
 * retry gets the first answer again (nothing stored twice), 409 while the first is in progress, 422
 * for another body under the same key (docs/streaming.md).
 */
export class EventIngestor {
  private readonly checker: RecordChecker;
  private readonly rows: RowBuilder;
  private readonly columns: ColumnSpec[];
  private readonly keyColumns: ColumnSpec[];

  constructor(
    contract: Contract,
    private readonly sink: EventSink,
    private readonly rejects: RejectStore,
    private readonly options: EventIngestorOptions = {},
  ) {
    const origin = { source: contract.source, resource: contract.resource };
    // Evolve mode widens the table as records come: a request's verdict would depend on earlier ones.
    if (contract.mode === 'evolve')
      throw new ConfigError(
        `the stream's contract ${contract.source}/${contract.resource} is in mode evolve`,
        origin,
        'give it mode keep_extra (undeclared fields kept in _extra), freeze, discard_row or discard_value (docs/contracts.md)',
      );
    if (contract.tables.length !== 1)
      throw new ConfigError(
        `the stream's contract ${contract.source}/${contract.resource} makes child tables (${contract.tables
          .slice(1)
          .map((table) => table.name)
          .join(', ')}); a stream carries one table`,
        origin,
        'describe arrays of objects as JSON (no "properties" under "items")',
      );
    const [table] = contract.tables as [Contract['tables'][0]];
    this.checker = new RecordChecker(contract, table);
    this.rows = new RowBuilder(contract.tables, contract.primaryKey, contract.schema);
    this.columns = writtenColumns(table, table, contract.primaryKey);
    this.keyColumns = primaryKeyColumns(table, contract.primaryKey);
  }

  async ingest(request: IngestRequest): Promise<IngestAnswer> {
    const answer = await this.answer(request);
    return { ...answer, body: { requestId: request.requestId, ...answer.body } };
  }

  private async answer(request: IngestRequest): Promise<IngestAnswer> {
    const read = this.read(request);
    if ('statusCode' in read) return read;
    const key = request.idempotencyKey;
    const records = this.options.requestRecords;
    if (key === undefined || !records) return this.store(read.events, read.exact, request);
    if (!IDEMPOTENCY_KEY.test(key))
      return refuse(400, 'the Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID does)');

    // Claimed before anything is stored: of two retries racing, one does the work, one waits (409).
    const fingerprint = bodyFingerprint(request.body ?? '');
    let claim: Claim<IngestAnswer>;
    try {
      claim = await records.claim(key, fingerprint);
    } catch (error) {
      return refuse(
        503,
        `the Idempotency-Key could not be checked (${(error as Error).message}); retry the request`,
      );
    }
    switch (claim.kind) {
      case 'answered':
        return { ...claim.answer, replayed: true };
      case 'in_progress':
        return refuse(
          409,
          `a request with this Idempotency-Key has been in progress since ${claim.since}; retry in a few seconds to get its answer`,
        );
      case 'other_body':
        return refuse(
          422,
          'this Idempotency-Key came before with another body: send a new request with a new key',
        );
    }
    const answer = await this.store(read.events, read.exact, request);
    try {
      if (answer.statusCode === 503) await records.release(claim);
      else
        await records.answered(claim, fingerprint, {
          ...answer,
          body: { requestId: request.requestId, ...answer.body },
        });
    } catch (error) {
      // The events are stored and the answer is true; only a retry of it would store them again.
      logger.warn('the answer to a request with an Idempotency-Key could not be recorded', {
        error: (error as Error).message,
        requestId: request.requestId,
      });
    }
    return answer;
  }

  /** The request's events, or its refusal as a whole (415, 413, 400) before any event is looked at. */
  private read(request: IngestRequest): IngestAnswer | { events: unknown[]; exact: ExactNumbers } {
    const contentType = (request.contentType ?? '').split(';')[0]!.trim().toLowerCase();
    if (contentType !== 'application/json')
      return refuse(415, `send the events as application/json, not ${contentType || 'no content type'}`);
    const body = request.body ?? '';
    if (Buffer.byteLength(body) > MAX_BODY_BYTES)
      return refuse(
        413,
        `the body is over ${MAX_BODY_BYTES} bytes: send at most ${MAX_EVENTS_PER_REQUEST} events per request`,
      );
    let parsed: unknown;
    let exact: ExactNumbers;
    try {
      // Integers beyond 2^53 keep their digits: written exactly where a column holds them, else refused.
      ({ document: parsed, exact } = parseJsonExact(body));
    } catch (error) {
      return refuse(400, `the body is not JSON (${(error as Error).message})`);
    }
    const events = Array.isArray(parsed)
      ? parsed
      : parsed && typeof parsed === 'object' && Array.isArray((parsed as { events?: unknown }).events)
        ? (parsed as { events: unknown[] }).events
        : [parsed];
    if (events.length === 0) return refuse(400, 'no events in the body');
    if (events.length > MAX_EVENTS_PER_REQUEST)
      return refuse(400, `${events.length} events in one request: send at most ${MAX_EVENTS_PER_REQUEST}`);
    return { events, exact };
  }

  /** Each event's verdict; refusals stored, then the accepted events handed to the stream. */
  private async store(events: unknown[], exact: ExactNumbers, request: IngestRequest): Promise<IngestAnswer> {
    const receivedAt = (this.options.now ?? (() => new Date()))();
    const lineage = {
      batchId: request.requestId,
      extractedAtMicros: BigInt(receivedAt.getTime()) * 1000n,
      sourceKey: 'api:POST /events',
    };
    const rows: StreamRecord[] = [];
    const refused: Array<{ index: number; event: unknown; reasons: Reason[] }> = [];
    const results: NonNullable<IngestAnswer['body']['results']> = [];
    events.forEach((event, index) => {
      const id = idOf(event);
      const verdict = this.verdict(event, lineage, exact);
      if ('record' in verdict) {
        rows.push(verdict.record);
        results.push({ index, id, status: 'accepted' });
      } else {
        refused.push({ index, event: rejectableRecord(event), reasons: verdict.reasons });
        results.push({ index, id, status: 'rejected', reasons: verdict.reasons });
      }
    });
    // Refusals are stored first: if the stream then fails, the answer is a 5xx and nothing of the
    // request was acknowledged (a retry stores its refusals again, under its own request id).
    let rejectsKey: string | undefined;
    try {
      if (refused.length) rejectsKey = await this.rejects.put(refused, request.requestId, receivedAt);
      if (rows.length) await this.sink.put(rows);
    } catch (error) {
      // Only the pipeline's own storage gets here, never the body: a 5xx the producer may retry.
      return refuse(
        503,
        `the events could not be stored (${(error as Error).message}); retry the request: events are keyed by id, a retry never doubles one in CLEAN`,
      );
    }
    return {
      statusCode: refused.length ? 207 : 200,
      body: {
        accepted: rows.length,
        rejected: refused.length,
        results,
        ...(rejectsKey ? { rejectsKey } : {}),
      },
    };
  }

  /** One event's fate: its stream record, or the reasons it is refused. Nothing about one event fails the request. */
  private verdict(
    event: unknown,
    lineage: Parameters<RowBuilder['build']>[1],
    exact: ExactNumbers,
  ): { record: StreamRecord } | { reasons: Reason[] } {
    const breach = limitBreach(event, EVENT_LIMITS);
    if (breach) return { reasons: [breach] };
    try {
      const outcome = this.checker.check(event, exact);
      if (!outcome.accepted) return { reasons: outcome.reasons };
      // The batch path's cell checks (a value the warehouse could not hold is refused here, per
      // event, instead of failing a whole file's load), spelled as a JSON line.
      const { row } = this.rows.build(outcome.record, lineage, exact)[0]!;
      const partitionKey = this.keyColumns.map((column) => String(row[column.name])).join('|');
      return { record: { partitionKey: partitionKey.slice(0, 256), line: jsonLineOf(row, this.columns) } };
    } catch (error) {
      return { reasons: [error instanceof RecordRejection ? error.reason : unprocessableReason(error)] };
    }
  }
}

/** The event's `id` for the answer, when it has one of its own that is a string or a number. */
function idOf(event: unknown): unknown {
  if (event === null || typeof event !== 'object' || !Object.hasOwn(event, 'id')) return undefined;
  const id = (event as { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
}
