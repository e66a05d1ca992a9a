import type { PartitionConfig } from '../sources/source-config';
import type { CursorValue } from '../sources/incremental';
import { partitionLabelOf } from '../shared/keys';

/** One request family of a resource: the values that fill its path's `{placeholders}`. */
export interface Partition {
  index: number;
  values: Record<string, string>;
  /** Key segment for the partition's pages; absent for an unpartitioned resource. */
  label?: string;
}

export interface PartitionContext {
  startCursor?: CursorValue;
  currentYear: number;
  /** The distinct values of `field` in the parent resource's records, in order of first appearance. */
  parentValues(parentResource: string, field: string): Promise<string[]>;
}

/** Expands a resource's partition config into the ordered, deterministic list of partitions to request. */
export async function resolvePartitions(
  config: PartitionConfig | undefined,
  context: PartitionContext,
): Promise<Partition[]> {
  if (!config) return [{ index: 0, values: {} }];
  let values: string[];
  switch (config.type) {
    case 'list':
      values = config.values;
      break;
    case 'parent':
      values = await context.parentValues(config.resource, config.field);
      break;
    case 'range': {
      const from = config.from === 'cursor' ? Math.trunc(Number(context.startCursor)) : config.from;
      const to = config.to === 'current_year' ? context.currentYear : config.to;
      values = [];
      for (let value = from; value <= to; value += config.step) values.push(String(value));
      break;
    }
  }
  return values.map((value, index) => {
    const partitionValues = { [config.param]: value };
    return { index, values: partitionValues, label: partitionLabelOf(partitionValues) };
  });
}

/** Fills `{placeholder}`s in a resource path; values are URL-encoded so they stay one path segment. */
export function expandPath(path: string, values: Record<string, string>): string {
  return path.replace(/\{([^}]+)\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`path ${path} needs a value for {${name}}`);
    return encodeURIComponent(value);
  });
}
