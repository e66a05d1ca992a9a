import fc from 'fast-check';
import { MAX_BODY_BYTES, MAX_EVENTS_PER_REQUEST } from '../../lambdas/ingest/ingest-events';
import { eventAt } from '../../local/fixture-api/events';
import { anyJsonText, deepValue, fieldName, numberLiteral, stringLiteral } from './arbitrary-json';

/** What producers send to POST /events, good and hostile, for the fuzz tests of the Lambda and the local server. */

/** A real event of the fixture API, as it sent it. */
export const realEventText = fc.nat(10_000).map((index) => JSON.stringify(eventAt(index)));

/** A real event, then spoiled or not: a field replaced by anything, or something added. */
export const eventText = fc
  .record({
    index: fc.nat(10_000),
    spoil: fc.option(
      fc.tuple(
        fc.oneof(fc.constantFrom('id', 'type', 'amount', 'occurred_at', 'context'), fieldName),
        fc.oneof(anyJsonText, numberLiteral, stringLiteral, deepValue),
      ),
      { freq: 2 },
    ),
  })
  .map(({ index, spoil }) => {
    const text = JSON.stringify(eventAt(index));
    return spoil ? `${text.slice(0, -1)},${JSON.stringify(spoil[0])}:${spoil[1]}}` : text;
  });

/** Bodies a producer might send: arrays of events, one event, `{ events }`, any JSON, any bytes. */
export const body = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.array(eventText, { minLength: 1, maxLength: 8 }).map((items) => `[${items.join(',')}]`),
  },
  { weight: 1, arbitrary: eventText },
  {
    weight: 1,
    arbitrary: fc.array(eventText, { maxLength: 4 }).map((items) => `{"events":[${items.join(',')}]}`),
  },
  { weight: 2, arbitrary: anyJsonText },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  },
  // Around the events-per-request limit.
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: MAX_EVENTS_PER_REQUEST - 2, max: MAX_EVENTS_PER_REQUEST + 1 })
      .chain((count) => fc.array(realEventText, { minLength: count, maxLength: count }))
      .map((items) => `[${items.join(',')}]`),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: -64, max: 64 })
      .map((delta) => `"${'x'.repeat(MAX_BODY_BYTES - 2 + delta)}"`),
  },
);

export const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  fc.constantFrom(
    'application/json; charset=utf-8',
    'APPLICATION/JSON',
    'text/plain',
    '',
    'application/x-www-form-urlencoded',
  ),
);

/** How many events a body holds, as the API reads it (undefined: not JSON at all). */
export function eventsIn(text: string): unknown[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (Array.isArray(parsed)) return parsed;
  if (parsed && typeof parsed === 'object' && Array.isArray((parsed as { events?: unknown }).events))
    return (parsed as { events: unknown[] }).events;
  return [parsed];
}
