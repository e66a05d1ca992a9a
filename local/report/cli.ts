import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LocalWarehouse } from '../warehouse/warehouse';
import { buildReport } from './build-report';

/** `npm run report`: the local warehouse as one HTML page (open it in a browser; no server needed). */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { 'data-dir': { type: 'string', default: '.local' }, out: { type: 'string' } },
  });
  const path = join(values['data-dir'], 'warehouse.duckdb');
  if (!existsSync(path)) throw new Error(`no local warehouse at ${path}: run npm start first`);
  const warehouse = await LocalWarehouse.open(path, { onWait: (message) => console.error(message) });
  try {
    const out = resolve(values.out ?? join(values['data-dir'], 'report.html'));
    writeFileSync(out, await buildReport(warehouse));
    console.log(`Report written: ${out}\nOpen it in a browser: file://${out}`);
  } finally {
    warehouse.close();
  }
}

main().catch((error: unknown) => {
  console.error(`report: ${(error as Error).message}`);
  process.exitCode = 1;
});
