import type { LocalWarehouse } from '../warehouse/warehouse';
import { barChart, columnChart, sparkline } from './svg-charts';

const escape = (value: unknown) =>
  String(value ?? '').replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!,
  );
const time = (value: unknown) =>
  value instanceof Date ? value.toISOString().replace('T', ' ').slice(0, 16) : escape(value);

const statusRank = (cell: string) => (cell.includes('>fail<') ? 0 : cell.includes('>warn<') ? 1 : 2);

async function tableExists(warehouse: LocalWarehouse, schema: string, table: string): Promise<boolean> {
  const rows = await warehouse.rows(
    `select 1 from information_schema.tables where table_schema = '${schema}' and table_name = '${table}'`,
  );
  return rows.length > 0;
}

function htmlTable(headers: string[], rows: string[][]): string {
  if (!rows.length) return '<p class="empty">Nothing yet.</p>';
  return `<table><thead><tr>${headers.map((header) => `<th>${escape(header)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((row) => `<tr>${row.map((cell) => `<td>${cell}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/**
 * The local warehouse on one page: runs over time, rows per table, rejects, every check's latest result
 * with its history, freshness. Static HTML with inline SVG: it opens from disk, with no server.
 */
export async function buildReport(warehouse: LocalWarehouse, generatedAt = new Date()): Promise<string> {
  const runs = await warehouse.rows('select * from analytics.pipeline_runs order by started_at');
  const runChart = columnChart(
    'Records per run',
    runs.map((run) => ({
      label: String(
        run.logical_date instanceof Date ? run.logical_date.toISOString().slice(0, 10) : run.logical_date,
      ),
      parts: [
        { name: 'valid', value: Number(run.valid), color: '#2f6fb0' },
        { name: 'rejected', value: Number(run.rejected), color: '#d9534f' },
      ],
    })),
  );
  const runRows = [...runs]
    .reverse()
    .map((run) => [
      escape(run.batch_id),
      escape(
        run.logical_date instanceof Date ? run.logical_date.toISOString().slice(0, 10) : run.logical_date,
      ),
      `<span class="status ${escape(run.status)}">${escape(run.status)}</span>`,
      Number(run.extracted).toLocaleString('en'),
      Number(run.valid).toLocaleString('en'),
      Number(run.rejected).toLocaleString('en'),
      `${Number(run.duration_seconds).toFixed(1)} s`,
      escape(run.error ?? ''),
    ]);

  const cleanCounts = await warehouse.tableCounts('clean');
  const rowsChart = barChart(
    'Rows per CLEAN table',
    cleanCounts.map((entry) => ({ label: entry.table, value: entry.rows })),
  );

  const results = await warehouse.rows(
    'select batch_id, table_name, check_name, severity, status, metric_value, threshold, failing_keys, checked_at from analytics.dq_check_results order by checked_at',
  );
  const byCheck = new Map<string, Record<string, unknown>[]>();
  for (const result of results) {
    const key = `${result.table_name} ${result.check_name}`;
    byCheck.set(key, [...(byCheck.get(key) ?? []), result]);
  }
  const checkRows = [...byCheck.values()]
    .map((history) => {
      const latest = history.at(-1)!;
      return [
        escape(latest.table_name),
        `<code>${escape(latest.check_name)}</code>`,
        `<span class="status ${escape(latest.status)}">${escape(latest.status)}</span>`,
        escape(latest.metric_value),
        escape(latest.threshold),
        escape(latest.failing_keys ?? ''),
        sparkline(history.map((entry) => Number(entry.metric_value ?? 0))),
      ];
    })
    // Failures first, then warnings, then the rest; by table within each.
    .sort((a, b) => statusRank(a[2]!) - statusRank(b[2]!) || a[0]!.localeCompare(b[0]!));
  const statusCounts = ['fail', 'warn', 'pass'].map((status) => ({
    label: status,
    value: [...byCheck.values()].filter((history) => history.at(-1)!.status === status).length,
  }));

  const freshness = (await tableExists(warehouse, 'analytics', 'vw_data_freshness'))
    ? await warehouse.rows('select * from analytics.vw_data_freshness order by table_name')
    : [];

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pipeline report</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:1100px}
h1{margin-bottom:0}h2{margin-top:2.2rem;border-bottom:1px solid #ddd;padding-bottom:.3rem}
table{border-collapse:collapse;font-size:13px;margin-top:.6rem}th,td{border-bottom:1px solid #eee;padding:4px 8px;text-align:left;vertical-align:middle}
.status{padding:1px 6px;border-radius:3px;color:#fff;font-size:12px}.pass,.SUCCEEDED{background:#3c9a5f}.warn,.PARTIAL{background:#e0a800}.fail,.FAILED{background:#d9534f}
.empty{color:#888}.meta{color:#666}
</style></head>
<body>
<h1>Pipeline report</h1>
<p class="meta">Local warehouse, generated ${escape(generatedAt.toISOString())}. ${runs.length} run(s), ${byCheck.size} check(s).</p>
<h2 id="runs">Runs over time</h2>
${runChart}
${htmlTable(['batch', 'date', 'status', 'extracted', 'valid', 'rejected', 'duration', 'error'], runRows)}
<h2 id="rows">Rows per table</h2>
${rowsChart}
<h2 id="checks">Data-quality checks</h2>
${barChart('Checks by latest status', statusCounts, '#555')}
${htmlTable(['table', 'check', 'status', 'metric', 'expected', 'failing keys', 'history'], checkRows)}
<h2 id="freshness">Freshness</h2>
${htmlTable(
  ['table', 'status', 'newest extracted', 'last published', 'age (minutes)', 'stale after (hours)'],
  freshness.map((row) => [
    escape(row.table_name),
    escape(row.freshness_status),
    time(row.last_extracted_at),
    time(row.last_published_at),
    escape(row.event_age_minutes),
    escape(row.stale_after_hours),
  ]),
)}
</body></html>
`;
}
