import { reconcile } from '../../lambdas/reconcile/reconcile';
import type { ValidatedGroup } from '../../lambdas/shared/step-messages';

const group = (overrides: Partial<ValidatedGroup> = {}): ValidatedGroup => ({
  source: 'fakestore',
  resource: 'carts',
  inputRecords: 10,
  validRecords: 9,
  rejectedRecords: 1,
  quarantinedPages: 0,
  pages: 1,
  rejectKeys: ['fakestore/carts/rejects-g000-00001.jsonl.gz'],
  tables: { carts: { rows: 9, keys: ['a'] }, carts__products: { rows: 20, keys: ['b'] } },
  ...overrides,
});

describe('reconcile', () => {
  it('adds each resource up over its page groups', () => {
    const counts = reconcile(
      [{ source: 'fakestore', resource: 'carts', pages: 3, records: 25 }],
      [
        [
          group(),
          group({ inputRecords: 15, validRecords: 15, rejectedRecords: 0, rejectKeys: [], pages: 2 }),
        ],
      ],
    );
    expect(counts.resources[0]).toEqual({
      source: 'fakestore',
      resource: 'carts',
      pages: 3,
      extracted: 25,
      valid: 24,
      rejected: 1,
      quarantinedPages: 0,
      rejectKeys: ['fakestore/carts/rejects-g000-00001.jsonl.gz'],
      tables: { carts: 18, carts__products: 40 },
      parquetKeys: ['a', 'b', 'a', 'b'],
      warnings: [],
    });
    expect(counts.totals).toEqual({ extracted: 25, valid: 24, rejected: 1, quarantinedPages: 0 });
  });

  it('accepts a resource with no pages and no page groups', () => {
    const counts = reconcile([{ source: 'gfn', resource: 'types', pages: 0, records: 0 }], [[]]);
    expect(counts.totals.extracted).toBe(0);
  });

  it('fails naming the resource when validate read fewer records than extract counted', () => {
    expect(() =>
      reconcile([{ source: 'fakestore', resource: 'carts', pages: 1, records: 11 }], [[group()]]),
    ).toThrow(
      /fakestore\/carts: extract counted 11 records, validate read 10.*nothing was loaded or committed/,
    );
  });

  it('names the first ten mismatches and counts the others, so the error fits the state and the notice', () => {
    const resources = Array.from({ length: 30 }, (_, index) => `r${index}`);
    const failure = (() => {
      try {
        reconcile(
          resources.map((resource) => ({ source: 'shop', resource, pages: 1, records: 11 })),
          resources.map((resource) => [group({ source: 'shop', resource })]),
        );
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('reconcile accepted 30 mismatches');
    })();
    expect(failure.match(/extract counted 11 records/g)).toHaveLength(10);
    expect(failure).toMatch(/shop\/r0: .*shop\/r9: .*; and 20 more \(this execution's validate logs\)/);
    expect(failure).not.toContain('shop/r10:');
  });

  it('fails when records in do not equal valid plus rejected', () => {
    expect(() =>
      reconcile(
        [{ source: 'fakestore', resource: 'carts', pages: 1, records: 10 }],
        [[group({ validRecords: 8 })]],
      ),
    ).toThrow(/10 records in, 8 valid \+ 1 rejected out/);
  });

  it('fails when a resource was not validated at all', () => {
    expect(() =>
      reconcile(
        [
          { source: 'fakestore', resource: 'carts', pages: 1, records: 10 },
          { source: 'fakestore', resource: 'users', pages: 1, records: 10 },
        ],
        [[group()]],
      ),
    ).toThrow(/2 resources extracted, 1 validated/);
  });

  it('fails naming the pages when validate read fewer pages than extract landed', () => {
    expect(() =>
      reconcile([{ source: 'fakestore', resource: 'carts', pages: 2, records: 10 }], [[group()]]),
    ).toThrow(/fakestore\/carts: extract landed 2 pages, validate read 1/);
  });

  it('fails on an unreadable page even when the record counts add up, naming the page and why', () => {
    expect(() =>
      reconcile(
        [{ source: 'fakestore', resource: 'carts', pages: 1, records: 10 }],
        [
          [
            group({
              quarantinedPages: 1,
              unreadable: [{ key: 'fakestore/carts/page-00002.json.gz', problem: 'invalid_json: cut short' }],
            }),
          ],
        ],
      ),
    ).toThrow(
      /1 pages could not be read as records: fakestore\/carts\/page-00002.json.gz \(invalid_json: cut short\)/,
    );
  });

  it('fails when extract reports an unreadable page', () => {
    expect(() =>
      reconcile(
        [{ source: 'fakestore', resource: 'carts', pages: 1, unreadablePages: 1, records: 10 }],
        [[group()]],
      ),
    ).toThrow(/extract landed 1 unreadable pages/);
  });
});
