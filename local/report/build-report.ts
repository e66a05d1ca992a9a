import type { PipelineWarehouse } from '../warehouse/pipeline-warehouse';
import { barChart, columnChart, formatNumber, sparkline } from './svg-charts';

const escape = (value: unknown) =>
  String(value ?? '').replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!,
  );
const time = (value: unknown) =>
  value instanceof Date ? value.toISOString().replace('T', ' ').slice(0, 16) : escape(value);
const day = (value: unknown) => (value instanceof Date ? value.toISOString().slice(0, 10) : escape(value));
const STATUS_ORDER = ['fail', 'warn', 'pass'];
const statusRank = (status: unknown) => {
  const rank = STATUS_ORDER.indexOf(String(status));
  return rank < 0 ? STATUS_ORDER.length : rank;
};
const statusBadge = (status: unknown) => `<span class="status ${escape(status)}">${escape(status)}</span>`;

async function tableExists(warehouse: PipelineWarehouse, schema: string, table: string): Promise<boolean> {
  const rows = await warehouse.rows(
    `select 1 from information_schema.tables where table_schema = '${schema}' and table_name = '${table}'`,
  );
  return rows.length > 0;
}

/** A table; cells are HTML already (escaped or built here), `numeric` columns right-aligned. */
function htmlTable(headers: string[], rows: string[][], numeric: number[] = []): string {
  if (!rows.length) return '<p class="empty">Nothing yet.</p>';
  const align = (index: number) => (numeric.includes(index) ? ' class="number"' : '');
  return `<table><thead><tr>${headers.map((header, index) => `<th${align(index)}>${escape(header)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((row) => `<tr>${row.map((cell, index) => `<td${align(index)}>${cell}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** Each run's result of one check, oldest first, as coloured dots (hover: batch, status, metric). */
function statusDots(history: Record<string, unknown>[]): string {
  const dots = history
    .map(
      (entry, index) =>
        `<circle cx="${6 + index * 12}" cy="7" r="4.5" class="dot ${escape(entry.status)}"><title>${escape(entry.batch_id)}: ${escape(entry.status)}, ${formatNumber(entry.metric_value)}</title></circle>`,
    )
    .join('');
  return `<svg class="status-history" role="img" aria-label="status per run" width="${history.length * 12 + 2}" height="14" xmlns="http://www.w3.org/2000/svg">${dots}</svg>`;
}

/** Column labels for runs: the logical date and start time, numbered where two runs share both. */
function runLabels(runs: Record<string, unknown>[]): string[] {
  const seen = new Map<string, number>();
  return runs.map((run) => {
    const base =
      `${day(run.logical_date)} ${run.started_at instanceof Date ? run.started_at.toISOString().slice(11, 16) : ''}`.trim();
    const index = (seen.get(base) ?? 0) + 1;
    seen.set(base, index);
    return index > 1 ? `${base} #${index}` : base;
  });
}

/**
 * The local warehouse on one page: runs over time, rows per table in RAW and CLEAN, the checks grouped
 * by table with each one's history, freshness. Every number in one format (formatNumber), every count
 * named with its layer. Static HTML with inline SVG: it opens from disk, with no server.
 */
export async function buildReport(warehouse: PipelineWarehouse, generatedAt = new Date()): Promise<string> {
  const runs = await warehouse.rows('select * from analytics.pipeline_runs order by started_at');
  const labels = runLabels(runs);
  const runChart = columnChart(
    'Records per run',
    runs.map((run, index) => ({
      label: labels[index]!,
      parts: [
        { name: 'valid', value: Number(run.valid), color: '#2f6fb0' },
        { name: 'rejected', value: Number(run.rejected), color: '#d9534f' },
      ],
    })),
    'records',
  );
  const runRows = [...runs]
    .reverse()
    .map((run) => [
      escape(run.batch_id),
      day(run.logical_date),
      statusBadge(run.status),
      formatNumber(run.extracted),
      formatNumber(run.valid),
      formatNumber(run.rejected),
      formatNumber(run.duration_seconds),
      escape(run.error ?? ''),
    ]);

  const rawCounts = new Map((await warehouse.tableCounts('raw')).map((entry) => [entry.table, entry.rows]));
  const cleanCounts = await warehouse.tableCounts('clean');
  const tableNames = [...new Set([...rawCounts.keys(), ...cleanCounts.map((entry) => entry.table)])].sort();
  const cleanByTable = new Map(cleanCounts.map((entry) => [entry.table, entry.rows]));
  const rowsChart = barChart(
    'CLEAN rows per table',
    cleanCounts.map((entry) => ({ label: entry.table, value: entry.rows })),
    '#2f6fb0',
    'rows in CLEAN',
  );
  const layerRows = tableNames.map((table) => [
    escape(table),
    formatNumber(rawCounts.get(table)),
    formatNumber(cleanByTable.get(table)),
  ]);

  const results = await warehouse.rows(
    'select batch_id, table_name, check_name, severity, status, metric_value, threshold, failing_keys, checked_at from analytics.dq_check_results order by checked_at',
  );
  // table → check → its results, oldest first.
  const byTable = new Map<string, Map<string, Record<string, unknown>[]>>();
  for (const result of results) {
    const table = String(result.table_name);
    const checks = byTable.get(table) ?? new Map<string, Record<string, unknown>[]>();
    byTable.set(table, checks);
    const check = String(result.check_name);
    checks.set(check, [...(checks.get(check) ?? []), result]);
  }
  const latestOf = (checks: Map<string, Record<string, unknown>[]>) =>
    [...checks.values()].map((history) => history.at(-1)!);
  const allLatest = [...byTable.values()].flatMap(latestOf);
  const statusCounts = STATUS_ORDER.map((status) => ({
    label: status,
    value: allLatest.filter((latest) => latest.status === status).length,
  }));
  // Tables with a failing check first, then with a warning, then by name; the same within a table.
  const worst = (checks: Map<string, Record<string, unknown>[]>) =>
    Math.min(...latestOf(checks).map((latest) => statusRank(latest.status)));
  const checkSections = [...byTable.entries()]
    .sort(([a, aChecks], [b, bChecks]) => worst(aChecks) - worst(bChecks) || a.localeCompare(b))
    .map(([table, checks]) => {
      const latest = latestOf(checks);
      const tally = STATUS_ORDER.map(
        (status) => [status, latest.filter((entry) => entry.status === status).length] as const,
      )
        .filter(([, n]) => n > 0)
        .map(([status, n]) => `${n} ${status}`)
        .join(', ');
      const rows = [...checks.values()]
        .sort(
          (a, b) =>
            statusRank(a.at(-1)!.status) - statusRank(b.at(-1)!.status) ||
            String(a.at(-1)!.check_name).localeCompare(String(b.at(-1)!.check_name)),
        )
        .map((history) => {
          const last = history.at(-1)!;
          return [
            `<code>${escape(last.check_name)}</code>`,
            escape(last.severity),
            statusBadge(last.status),
            formatNumber(last.metric_value),
            escape(last.threshold),
            escape(last.failing_keys ?? ''),
            `<span class="history">${statusDots(history)} ${sparkline(history.map((entry) => Number(entry.metric_value ?? 0)))}</span>`,
          ];
        });
      return `<section class="check-table"><h3>${escape(table)} <span class="meta">${checks.size} check(s): ${tally}</span></h3>${htmlTable(
        ['check', 'severity', 'latest', 'metric', 'expected', 'failing keys', 'history (oldest first)'],
        rows,
        [3],
      )}</section>`;
    })
    .join('\n');
  const checkCount = allLatest.length;

  const freshness = (await tableExists(warehouse, 'analytics', 'vw_data_freshness'))
    ? await warehouse.rows('select * from analytics.vw_data_freshness order by table_name')
    : [];

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pipeline report</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:1100px}
h1{margin-bottom:0}h2{margin-top:2.2rem;border-bottom:1px solid #ddd;padding-bottom:.3rem}h3{margin:1.4rem 0 .2rem;font-size:15px}
table{border-collapse:collapse;font-size:13px;margin-top:.6rem}th,td{border-bottom:1px solid #eee;padding:4px 8px;text-align:left;vertical-align:middle}
th.number,td.number{text-align:right;font-variant-numeric:tabular-nums}
.status{padding:1px 6px;border-radius:3px;color:#fff;font-size:12px}.pass,.SUCCEEDED{background:#3c9a5f}.warn,.PARTIAL{background:#e0a800}.fail,.FAILED{background:#d9534f}
.dot.pass{fill:#3c9a5f}.dot.warn{fill:#e0a800}.dot.fail{fill:#d9534f}.dot{fill:#999}
th{white-space:nowrap}.history{white-space:nowrap}.history svg{vertical-align:middle}svg text{fill:#333}.empty{color:#888}.meta{color:#666;font-weight:normal;font-size:13px}
</style></head>
<body>
<h1>Pipeline report</h1>
<p class="meta">Local warehouse, generated ${escape(generatedAt.toISOString())}. ${formatNumber(runs.length)} run(s), ${formatNumber(checkCount)} check(s) on ${formatNumber(byTable.size)} table(s).</p>
<h2 id="runs">Runs over time</h2>
<p class="meta">Records each run extracted, valid or rejected by the contracts.</p>
${runChart}
${htmlTable(['batch', 'logical date', 'status', 'records extracted', 'valid', 'rejected', 'duration (s)', 'error'], runRows, [3, 4, 5, 6])}
<h2 id="rows">Rows per table</h2>
<p class="meta">RAW keeps every version landed; CLEAN holds one row per key, as published.</p>
${rowsChart}
${htmlTable(['table', 'RAW rows', 'CLEAN rows'], layerRows, [1, 2])}
<h2 id="checks">Data-quality checks</h2>
${barChart('Checks by latest status', statusCounts, '#555', 'checks')}
${checkSections || '<p class="empty">Nothing yet.</p>'}
<h2 id="freshness">Freshness</h2>
${htmlTable(
  [
    'table',
    'status',
    'newest record extracted (RAW)',
    'last published (CLEAN)',
    'age (minutes)',
    'stale after (hours)',
  ],
  freshness.map((row) => [
    escape(row.table_name),
    escape(row.freshness_status),
    time(row.last_extracted_at),
    time(row.last_published_at),
    formatNumber(row.event_age_minutes),
    formatNumber(row.stale_after_hours),
  ]),
  [4, 5],
)}
</body></html>
`;
}
