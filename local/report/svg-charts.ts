/** Small inline SVG charts: the report is one file that opens anywhere, with no script and no server. */

const escape = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export interface Bar {
  label: string;
  value: number;
}

/** Horizontal bars, one per label, with the value at the end. */
export function barChart(title: string, bars: Bar[], color = '#2f6fb0'): string {
  const rowHeight = 22;
  const labelWidth = 230;
  const width = 720;
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  const rows = bars
    .map((bar, index) => {
      const y = index * rowHeight + 4;
      const length = Math.max(1, ((width - labelWidth - 90) * bar.value) / max);
      return `<text x="0" y="${y + 14}" font-size="12">${escape(bar.label)}</text><rect x="${labelWidth}" y="${y}" width="${length.toFixed(1)}" height="16" fill="${color}"/><text x="${labelWidth + length + 6}" y="${y + 13}" font-size="12">${bar.value.toLocaleString('en')}</text>`;
    })
    .join('');
  return `<svg class="chart" role="img" aria-label="${escape(title)}" width="${width}" height="${bars.length * rowHeight + 8}" xmlns="http://www.w3.org/2000/svg">${rows}</svg>`;
}

export interface StackedColumn {
  label: string;
  parts: Array<{ name: string; value: number; color: string }>;
}

/** Vertical stacked columns (e.g. valid and rejected records per run), with a legend. */
export function columnChart(title: string, columns: StackedColumn[]): string {
  const height = 180;
  const columnWidth = 36;
  const gap = 14;
  const width = Math.max(300, columns.length * (columnWidth + gap) + 40);
  const max = Math.max(
    1,
    ...columns.map((column) => column.parts.reduce((sum, part) => sum + part.value, 0)),
  );
  const bars = columns
    .map((column, index) => {
      const x = 30 + index * (columnWidth + gap);
      let top = height;
      const stacks = column.parts
        .map((part) => {
          const partHeight = (height * part.value) / max;
          top -= partHeight;
          return `<rect x="${x}" y="${top.toFixed(1)}" width="${columnWidth}" height="${partHeight.toFixed(1)}" fill="${part.color}"><title>${escape(`${column.label}: ${part.name} ${part.value.toLocaleString('en')}`)}</title></rect>`;
        })
        .join('');
      return `${stacks}<text x="${x}" y="${height + 14}" font-size="10">${escape(column.label.slice(0, 10))}</text>`;
    })
    .join('');
  const names = [
    ...new Map(columns.flatMap((column) => column.parts.map((part) => [part.name, part.color]))).entries(),
  ];
  const legend = names
    .map(
      ([name, color], index) =>
        `<rect x="${30 + index * 110}" y="${height + 24}" width="10" height="10" fill="${color}"/><text x="${44 + index * 110}" y="${height + 33}" font-size="11">${escape(name)}</text>`,
    )
    .join('');
  return `<svg class="chart" role="img" aria-label="${escape(title)}" width="${width}" height="${height + 42}" xmlns="http://www.w3.org/2000/svg">${bars}${legend}</svg>`;
}

/** A tiny line of a metric over runs, for a table cell. */
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
