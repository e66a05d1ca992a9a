/** Small inline SVG charts: the report is one file that opens anywhere, with no script and no server. */

const escape = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/**
 * The report's one number format: thousands separated, at most two decimals, nothing for no value.
 * Every figure on the page (charts, tables, checks) goes through it.
 */
export function formatNumber(value: unknown): string {
  if (value === null || value === undefined || value === '') return '–';
  const number = typeof value === 'bigint' ? Number(value) : Number(value);
  if (!Number.isFinite(number)) return escape(String(value));
  return number.toLocaleString('en', { maximumFractionDigits: 2 });
}

/** Round tick values from 0 to at least `max`: 1, 2 or 5 times a power of ten apart, at least 1. */
export function axisTicks(max: number, count = 4): number[] {
  if (max <= 0) return [0, 1];
  const rough = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  // Counts (rows, records, checks) are whole: never a tick between two of them.
  const step = Math.max(
    1,
    [1, 2, 5, 10].map((factor) => factor * magnitude).find((candidate) => candidate >= rough)!,
  );
  const ticks: number[] = [];
  for (let tick = 0; tick < max + step; tick += step) ticks.push(Math.round(tick * 1e9) / 1e9);
  return ticks;
}

export interface Bar {
  label: string;
  value: number;
}

/** Horizontal bars, one per label, with the value at the end and a labelled axis under them. */
export function barChart(title: string, bars: Bar[], color = '#2f6fb0', axisLabel = ''): string {
  const rowHeight = 22;
  const labelWidth = 230;
  const plotWidth = 400;
  const width = labelWidth + plotWidth + 90;
  const ticks = axisTicks(Math.max(1, ...bars.map((bar) => bar.value)));
  const top = ticks.at(-1)!;
  const plotHeight = bars.length * rowHeight + 4;
  const rows = bars
    .map((bar, index) => {
      const y = index * rowHeight + 4;
      const length = Math.max(1, (plotWidth * bar.value) / top);
      return `<text class="label" x="0" y="${y + 13}" font-size="12">${escape(bar.label)}</text><rect x="${labelWidth}" y="${y}" width="${length.toFixed(1)}" height="16" fill="${color}"/><text class="value" x="${labelWidth + length + 6}" y="${y + 13}" font-size="12">${formatNumber(bar.value)}</text>`;
    })
    .join('');
  const axis = ticks
    .map((tick) => {
      const x = labelWidth + (plotWidth * tick) / top;
      return `<line x1="${x}" y1="0" x2="${x}" y2="${plotHeight}" stroke="#e4e4e4"/><text class="tick" x="${x}" y="${plotHeight + 14}" font-size="10" text-anchor="middle">${formatNumber(tick)}</text>`;
    })
    .join('');
  const caption = axisLabel
    ? `<text x="${labelWidth + plotWidth / 2}" y="${plotHeight + 28}" font-size="11" text-anchor="middle" fill="#555">${escape(axisLabel)}</text>`
    : '';
  return `<svg class="chart" role="img" aria-label="${escape(title)}" width="${width}" height="${plotHeight + 34}" xmlns="http://www.w3.org/2000/svg">${axis}${rows}<line x1="${labelWidth}" y1="0" x2="${labelWidth}" y2="${plotHeight}" stroke="#888"/>${caption}</svg>`;
}

export interface StackedColumn {
  /** Under the column: unique per column (several runs may share a logical date). */
  label: string;
  parts: Array<{ name: string; value: number; color: string }>;
}

/**
 * Vertical stacked columns (valid and rejected records per run): a y axis with round ticks, each
 * column's total above it, labels under the columns turned 45° so that they never overlap, a legend.
 */
export function columnChart(title: string, columns: StackedColumn[], axisLabel: string): string {
  const plotHeight = 180;
  const columnWidth = 30;
  const left = 70;
  const top = 18;
  const totals = columns.map((column) => column.parts.reduce((sum, part) => sum + part.value, 0));
  // Wide enough apart for the widest total above its column (about 6 px a character at 10 px).
  const widestTotal = Math.max(...totals.map((total) => formatNumber(total).length), 1) * 6 + 8;
  const gap = Math.max(22, widestTotal - columnWidth);
  const ticks = axisTicks(Math.max(1, ...totals));
  const max = ticks.at(-1)!;
  const width = Math.max(360, left + columns.length * (columnWidth + gap) + 40);
  const y = (value: number) => top + plotHeight - (plotHeight * value) / max;
  const grid = ticks
    .map(
      (tick) =>
        `<line x1="${left}" y1="${y(tick).toFixed(1)}" x2="${width - 10}" y2="${y(tick).toFixed(1)}" stroke="#e4e4e4"/><text class="tick" x="${left - 6}" y="${(y(tick) + 4).toFixed(1)}" font-size="10" text-anchor="end">${formatNumber(tick)}</text>`,
    )
    .join('');
  const bars = columns
    .map((column, index) => {
      const x = left + 10 + index * (columnWidth + gap);
      let base = 0;
      const stacks = column.parts
        .map((part) => {
          const from = y(base);
          base += part.value;
          const to = y(base);
          return `<rect x="${x}" y="${to.toFixed(1)}" width="${columnWidth}" height="${(from - to).toFixed(1)}" fill="${part.color}"><title>${escape(`${column.label}: ${part.name} ${formatNumber(part.value)}`)}</title></rect>`;
        })
        .join('');
      const labelX = x + columnWidth / 2;
      const labelY = top + plotHeight + 12;
      return `${stacks}<text class="value" x="${labelX}" y="${(y(totals[index]!) - 4).toFixed(1)}" font-size="10" text-anchor="middle">${formatNumber(totals[index])}</text><text class="column-label" x="${labelX}" y="${labelY}" font-size="10" text-anchor="end" transform="rotate(-45 ${labelX} ${labelY})">${escape(column.label)}</text>`;
    })
    .join('');
  const labelsDepth = 80;
  const legendY = top + plotHeight + labelsDepth;
  const names = [
    ...new Map(columns.flatMap((column) => column.parts.map((part) => [part.name, part.color]))).entries(),
  ];
  const legend = names
    .map(
      ([name, color], index) =>
        `<rect x="${left + index * 110}" y="${legendY}" width="10" height="10" fill="${color}"/><text x="${left + 14 + index * 110}" y="${legendY + 9}" font-size="11">${escape(name)}</text>`,
    )
    .join('');
  const yCaption = `<text x="14" y="${top + plotHeight / 2}" font-size="11" fill="#555" text-anchor="middle" transform="rotate(-90 14 ${top + plotHeight / 2})">${escape(axisLabel)}</text>`;
  return `<svg class="chart" role="img" aria-label="${escape(title)}" width="${width}" height="${legendY + 18}" xmlns="http://www.w3.org/2000/svg">${grid}<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotHeight}" stroke="#888"/>${bars}${yCaption}${legend}</svg>`;
}

/** A tiny line of a metric over runs, for a table cell, its last value named. */
export function sparkline(values: number[]): string {
  if (values.length < 2) return '';
  const width = 120;
  const height = 24;
  const min = Math.min(...values);
  const span = Math.max(...values) - min || 1;
  const points = values
    .map(
      (value, index) =>
        `${((index * width) / (values.length - 1)).toFixed(1)},${(height - 2 - ((value - min) * (height - 4)) / span).toFixed(1)}`,
    )
    .join(' ');
  return `<svg class="chart sparkline" role="img" aria-label="history" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg"><polyline fill="none" stroke="#2f6fb0" stroke-width="1.5" points="${points}"/></svg>`;
}
