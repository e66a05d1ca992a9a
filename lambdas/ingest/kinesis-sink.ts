import { KinesisClient, PutRecordsCommand, PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import type { EventSink, StreamRecord } from './ingest-events';

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Accepted events' rows onto the Kinesis stream with PutRecords. Kinesis may refuse some records of a call
 * (throughput exceeded): only those are sent again, with backoff; if some are still refused after the
 * last attempt the request fails (a 5xx: the producer retries, nothing is half-stored silently).
 */
export class KinesisSink implements EventSink {
  constructor(
    private readonly kinesis: KinesisClient,
    private readonly streamName: string,
    private readonly maxAttempts = 4,
    private readonly sleep = defaultSleep,
  ) {}

  async put(records: StreamRecord[]): Promise<void> {
    let pending: PutRecordsRequestEntry[] = records.map((record) => ({
      Data: Buffer.from(`${record.line}\n`),
      PartitionKey: record.partitionKey,
    }));
    for (let attempt = 1; pending.length; attempt += 1) {
      const answer = await this.kinesis.send(
        new PutRecordsCommand({ StreamName: this.streamName, Records: pending }),
      );
      if (!answer.FailedRecordCount) return;
      pending = pending.filter((_, index) => answer.Records?.[index]?.ErrorCode);
      if (attempt >= this.maxAttempts) {
        throw new Error(
          `Kinesis refused ${pending.length} record(s) after ${attempt} attempts (${answer.Records?.find((r) => r.ErrorCode)?.ErrorCode})`,
        );
      }
      await this.sleep(100 * 2 ** attempt);
    }
  }
}
