import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The layering of lambdas/: a step folder (one with a handler) holds its handler and its own core, and
 * shares code only through the library folders (the others); a library imports no step.
 */
const lambdas = join(__dirname, '..', '..', 'lambdas');
const folders = readdirSync(lambdas, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);
const isStep = (folder: string) => existsSync(join(lambdas, folder, 'handler.ts'));

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(directory, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(directory, entry.name)]
        : [],
  );
}

/** Each relative import of a file as [importing folder, imported folder] under lambdas/. */
function crossings(): Array<{ file: string; from: string; to: string }> {
  return folders.flatMap((from) =>
    sourceFiles(join(lambdas, from)).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)]
        .map((match) => relative(lambdas, resolve(dirname(file), match[1]!)).split('/')[0]!)
        .filter((to) => to !== from && folders.includes(to))
        .map((to) => ({ file: relative(lambdas, file), from, to })),
    ),
  );
}

describe('lambdas/ layering', () => {
  it('has both kinds of folder', () => {
    expect(folders.filter(isStep)).toEqual(expect.arrayContaining(['extract', 'validate', 'ingest']));
    expect(folders.filter((folder) => !isStep(folder))).toEqual(
      expect.arrayContaining(['contracts', 'shared', 'warehouse']),
    );
  });

  it("no step imports another step's folder, and no library imports a step", () => {
    expect(crossings().filter(({ to }) => isStep(to))).toEqual([]);
  });
});
