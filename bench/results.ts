/**
 * Benchmarks' figures as JSON in bench/results/, beside the tables they print, for what reads them
 * again (the cost model: `npm run cost` → docs/cost.md). Each file says when, where and on what Node.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

export const RESULTS_DIRECTORY = join(__dirname, 'results');

export interface Measured<T> {
  measuredAt: string;
  machine: string;
  node: string;
  figures: T;
}

export function resultFile(name: string): string {
  return join(RESULTS_DIRECTORY, `${name}.json`);
}

export function writeResult<T>(name: string, figures: T): void {
  const measured: Measured<T> = {
    measuredAt: new Date().toISOString().slice(0, 10),
    machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}`,
    node: process.version,
    figures,
  };
  mkdirSync(RESULTS_DIRECTORY, { recursive: true });
  writeFileSync(resultFile(name), `${JSON.stringify(measured, null, 2)}\n`);
}

/** A result written earlier, or undefined when that benchmark has not been run here. */
export function readResult<T>(name: string): Measured<T> | undefined {
  const file = resultFile(name);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Measured<T>) : undefined;
}
