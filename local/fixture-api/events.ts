/**
 * Deterministic generated events for the two generic API styles: event `i` is always the same, and
 * `updated_at` grows with `i`, so `updated_since` maps to a start index without scanning (a million
 * events cost nothing until they are asked for).
 */
// With one event a second, even the validate benchmark's 3.6M events (41 days) lie in the past:
// contracts reject future timestamps.
export const EVENTS_EPOCH_MS = Date.parse('2026-01-01T00:00:00.000Z');
export const EVENT_SPACING_MS = 1_000;
const UPDATE_DELAY_MS = 30_000;

const eventTypes = ['page_view', 'add_to_cart', 'checkout', 'purchase', 'refund', 'signup'] as const;
const currencies = ['EUR', 'USD', 'GBP', 'JPY'] as const;
const browsers = ['Firefox/133.0', 'Chrome/131.0', 'Safari/18.1', 'Edge/131.0'] as const;

/** A small integer hash (Murmur3 finalizer): spreads fields without a random generator's state. */
function mix(value: number): number {
  let h = value | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export interface GeneratedEvent {
  id: string;
  type: string;
  user_id: string;
  amount: number | null;
  currency: string | null;
  occurred_at: string;
  updated_at: string;
  context: { browser: string; page: { path: string; referrer: string | null } };
  tags: string[];
}

export function eventAt(index: number): GeneratedEvent {
  const h = mix(index + 1);
  const type = eventTypes[h % eventTypes.length]!;
  const monetary = type === 'purchase' || type === 'refund' || type === 'checkout';
  const occurredMs = EVENTS_EPOCH_MS + index * EVENT_SPACING_MS;
  return {
    id: `evt_${String(index + 1).padStart(9, '0')}`,
    type,
    user_id: `user_${(h >>> 8) % 5000}`,
    amount: monetary ? ((h >>> 4) % 50_000) / 100 : null,
    currency: monetary ? currencies[(h >>> 12) % currencies.length]! : null,
    occurred_at: new Date(occurredMs).toISOString(),
    updated_at: new Date(occurredMs + UPDATE_DELAY_MS).toISOString(),
    context: {
      browser: browsers[(h >>> 16) % browsers.length]!,
      page: {
        path: `/products/${((h >>> 3) % 20) + 1}`,
        referrer: h % 3 === 0 ? null : 'https://search.example/',
      },
    },
    tags: h % 4 === 0 ? ['promo', `cohort-${h % 7}`] : [],
  };
}

/** The first event index whose `updated_at` is at or after `since` (ISO). */
export function firstIndexUpdatedSince(since: string | null): number {
  if (!since) return 0;
  const sinceMs = Date.parse(since);
  if (Number.isNaN(sinceMs)) return 0;
  return Math.max(0, Math.ceil((sinceMs - EVENTS_EPOCH_MS - UPDATE_DELAY_MS) / EVENT_SPACING_MS));
}

export function eventsBetween(start: number, end: number): GeneratedEvent[] {
  const events: GeneratedEvent[] = [];
  for (let index = start; index < end; index += 1) events.push(eventAt(index));
  return events;
}
