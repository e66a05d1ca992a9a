import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The repository's sql/ folder: a bundle carries the parts its handler reads next to itself (copied at
 * bundling), and from source it is the repository's.
 */
export function sqlDirectory(): string {
  const bundled = join(__dirname, 'sql');
  return existsSync(bundled) ? bundled : join(__dirname, '..', '..', 'sql');
}
