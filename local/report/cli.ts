import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openFilledWarehouse, warehouseKindOf } from '../warehouse/open-warehouse';
import { buildReport } from './build-report';

/** `npm run report`: the local warehouse as one HTML page (open it in a browser; no server needed). */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string', default: '.local' },
      warehouse: { type: 'string', default: 'duckdb' },
      out: { type: 'string' },
    },
  });
  const opened = await openFilledWarehouse(warehouseKindOf(values.warehouse), values['data-dir']);
  const { warehouse } = opened;
  try {
    const out = resolve(values.out ?? join(values['data-dir'], 'report.html'));
    writeFileSync(out, await buildReport(warehouse));
    console.log(`Report written: ${out}\nOpen it in a browser: file://${out}`);
  } finally {
    await opened.close();
  }
}

main().catch((error: unknown) => {
  console.error(`report: ${(error as Error).message}`);
  process.exitCode = 1;
});
