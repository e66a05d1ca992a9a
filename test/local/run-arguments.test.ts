import fc from 'fast-check';
import { parseRunArguments, RunArgumentError } from '../../local/run-arguments';

const parse = (...argv: string[]) => parseRunArguments(argv, process.env, '2026-12-07');
const refusal = (...argv: string[]) => {
  try {
    parse(...argv);
  } catch (error) {
    expect(error).toBeInstanceOf(RunArgumentError);
    return (error as Error).message;
  }
  throw new Error(`accepted: ${argv.join(' ')}`);
};

describe("npm start's arguments: every one checked before anything starts", () => {
  it('runs today on the embedded defaults without arguments', () => {
    expect(parse()).toMatchObject({
      days: ['2026-12-07'],
      backfill: false,
      faults: [],
      dataDirectory: '.local',
    });
  });

  it('refuses a day that does not exist, saying the form to use', () => {
    expect(refusal('--date', '2026-13-45')).toBe(
      '--date "2026-13-45" is not a day: use YYYY-MM-DD (for example 2026-12-07)',
    );
    expect(refusal('--date', '2026-02-30')).toMatch(/^--date "2026-02-30" is not a day/);
    expect(refusal('--from', '2026-02-28', '--to', '2026-02-31')).toBe(
      '--to "2026-02-31" is not a date: use YYYY-MM-DD',
    );
    expect(refusal('--from', '2026-03-02', '--to', '2026-03-01')).toBe(
      '--from 2026-03-02 is after --to 2026-03-01',
    );
  });

  it('accepts every real day, and refuses every string that is not one', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1970-01-01'), max: new Date('2999-12-31'), noInvalidDate: true }),
        (day) => {
          const value = day.toISOString().slice(0, 10);
          expect(parse('--date', value).days).toEqual([value]);
        },
      ),
    );
    fc.assert(
      fc.property(fc.string(), (value) => {
        const real =
          /^\d{4}-\d{2}-\d{2}$/.test(value) &&
          !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) &&
          new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
        if (real) expect(parse('--date', value).days).toEqual([value]);
        else expect(() => parse('--date', value)).toThrow(RunArgumentError);
      }),
    );
  });

  it('names the sources and resources there are when one is not', () => {
    expect(refusal('--source', 'nosuch')).toMatch(
      /^--source "nosuch" is not a source: use one of .*\bfakestore\b.*\bgfn\b/,
    );
    expect(refusal('--source', 'gfn', '--resource', 'carts')).toMatch(
      /^--resource "carts" is not a resource of gfn: use one of .*\bcountries\b/,
    );
    expect(parse('--source', 'fakestore', '--resource', 'carts')).toMatchObject({
      sources: ['fakestore'],
      resources: ['carts'],
    });
  });

  it('refuses an unknown option or fault, and a date with a range', () => {
    expect(refusal('--dat', '2026-01-01')).toMatch(/Unknown option '--dat'.*npm start -- --help/);
    expect(refusal('--fault', 'nosuch')).toMatch(/^--fault must be one of .*, not "nosuch"$/);
    expect(refusal('--date', '2026-01-01', '--from', '2026-01-01', '--to', '2026-01-02')).toMatch(
      /give one or the other/,
    );
    expect(refusal('--from', '2026-01-01')).toMatch(/^--from and --to go together/);
  });

  it('fills DuckDB by default, PostgreSQL on asking, and takes DATABASE_URL for PostgreSQL only', () => {
    const url = 'postgres://pipeline_loader:secret@db.example:5432/analytics';
    const withUrl = (...argv: string[]) =>
      parseRunArguments(argv, { ...process.env, DATABASE_URL: url }, '2026-12-07');
    expect(parse()).toMatchObject({ warehouse: 'duckdb' });
    expect(parse()).not.toHaveProperty('databaseUrl');
    // A shell that has a DATABASE_URL for another project leaves a DuckDB run alone.
    expect(withUrl()).not.toHaveProperty('databaseUrl');
    expect(withUrl('--warehouse', 'postgres')).toMatchObject({ warehouse: 'postgres', databaseUrl: url });
    expect(parseRunArguments(['--warehouse', 'postgres'], {}, '2026-12-07')).not.toHaveProperty(
      'databaseUrl',
    );
    expect(refusal('--warehouse', 'oracle')).toBe(
      '--warehouse must be one of duckdb, postgres, not "oracle"',
    );
  });
});
