import type { IncrementalConfig } from './source-config';

export type CursorValue = string | number;

/** Where this run starts: the committed cursor less the lag (for late updates), else the initial value. */
export function incrementalStart(config: IncrementalConfig, committed: CursorValue | undefined): CursorValue {
  const base = committed ?? config.initialValue;
  if (committed === undefined || config.lag === 0) return normalize(config, base);
  if (config.type === 'number') return Number(base) - config.lag;
  return new Date(Date.parse(String(base)) - config.lag * 1000).toISOString();
}

/** How the start value is written into the request parameter. */
export function formatStartParam(config: IncrementalConfig, value: CursorValue): string {
  if (config.type === 'number' || config.paramFormat === 'raw') return String(value);
  const iso = new Date(Date.parse(String(value))).toISOString();
  return config.paramFormat === 'date' ? iso.slice(0, 10) : iso;
}

/** A record's cursor value, or undefined when the record has none (it then cannot move the cursor). */
export function cursorOf(config: IncrementalConfig, record: unknown): CursorValue | undefined {
  if (record === null || typeof record !== 'object') return undefined;
  const raw = (record as Record<string, unknown>)[config.cursorField];
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (config.type === 'number') {
    const number = Number(raw);
    return Number.isFinite(number) ? number : undefined;
  }
  return Number.isNaN(Date.parse(String(raw))) ? undefined : normalize(config, String(raw));
}

export function laterCursor(
  config: IncrementalConfig,
  a: CursorValue | undefined,
  b: CursorValue | undefined,
): CursorValue | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (config.type === 'number') return Number(a) >= Number(b) ? a : b;
  return Date.parse(String(a)) >= Date.parse(String(b)) ? a : b;
}

function normalize(config: IncrementalConfig, value: CursorValue): CursorValue {
  return config.type === 'number' ? Number(value) : new Date(Date.parse(String(value))).toISOString();
}

/** A past day a backfill fetches: from its first instant up to the next day's (exclusive). */
export interface BackfillWindow {
  from: string;
  to: string;
}

export function dayWindow(logicalDate: string): BackfillWindow {
  const from = Date.parse(`${logicalDate}T00:00:00.000Z`);
  return { from: new Date(from).toISOString(), to: new Date(from + 86_400_000).toISOString() };
}

/**
 * Whether a resource can fetch a past day on its own: a timestamp cursor its API filters on at both
 * ends (`param` and `endParam`). Others (snapshots, number cursors, APIs without an end filter) would
 * fetch today's data under the past day's label.
 */
export function canBackfill(resource: { incremental?: IncrementalConfig }): boolean {
  const incremental = resource.incremental;
  return Boolean(incremental?.type === 'timestamp' && incremental.param && incremental.endParam);
}

/** How the window's end is written: the end instant (`iso`), or the window's last day (`date`, inclusive). */
export function formatEndParam(config: IncrementalConfig, window: BackfillWindow): string {
  if (config.paramFormat === 'date') return new Date(Date.parse(window.to) - 1).toISOString().slice(0, 10);
  return window.to;
}
