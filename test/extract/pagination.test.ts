import { extractResource } from '../../lambdas/extract/extract-resource';
import { nextFromLinkHeader } from '../../lambdas/extract/paginators';
import { PaginationError, ResponseFormatError } from '../../lambdas/shared/errors';
import { eventAt } from '../../local/fixture-api/events';
import { readRawPage, startTestEnvironment, TestEnvironment } from '../support/environment';
import { builtInSourceAt, eventsSource } from '../support/sources';

const EVENT_COUNT = 950;
const expectedIds = Array.from({ length: EVENT_COUNT }, (_, index) => eventAt(index).id);

describe('paginators', () => {
  let env: TestEnvironment;
  // The API caps pages at 400 records, whatever a client asks for.
  beforeAll(async () => (env = await startTestEnvironment({ eventCount: EVENT_COUNT, maxPageSize: 400 })));
  afterAll(async () => env.close());
  beforeEach(() => {
    env.api.faults.clear();
    env.api.requests.length = 0;
  });

  async function idsOf(pageKeys: string[], recordsPath: string): Promise<string[]> {
    const ids: string[] = [];
    for (const key of pageKeys) {
      const document = JSON.parse((await readRawPage(env.s3, key)).toString('utf8')) as Record<
        string,
        Array<{ id: string }>
      >;
      ids.push(...document[recordsPath]!.map((record) => record.id));
    }
    return ids;
  }

  /** The built-in OAuth2 event source with a smaller page size, so a walk takes several pages. */
  const oauthEventsInPagesOf = (size: number) => {
    const source = builtInSourceAt(env.api, 'events_oauth');
    return {
      ...source,
      paginator: { ...(source.paginator as Extract<typeof source.paginator, { type: 'cursor' }>), size },
    };
  };

  const extract = (source: ReturnType<typeof eventsSource>, batchId: string) =>
    extractResource(env.deps(), { source, resource: 'events', batchId, logicalDate: '2026-11-20' });

  it('offset/limit stops when the total is reached, without an extra request', async () => {
    const result = await extract(eventsSource(env.api), 'p-offset');
    expect(result.pages).toBe(10);
    expect(env.api.requests).toHaveLength(10);
    expect(await idsOf(result.pageKeys, 'items')).toEqual(expectedIds);
  });

  it('offset/limit without a total stops at the first empty page', async () => {
    const source = eventsSource(env.api, { paginator: { type: 'offset', limit: 100 } });
    const result = await extract(source, 'p-offset-empty');
    expect(env.api.requests).toHaveLength(11);
    expect(result.records).toBe(EVENT_COUNT);
  });

  it('offset/limit advances by the records received, so an API that caps the page size leaves no gap', async () => {
    const source = eventsSource(env.api, { paginator: { type: 'offset', limit: 5000 } });
    const result = await extract(source, 'p-offset-capped');
    expect(result.pages).toBe(4); // 400 + 400 + 150, then the empty page that ends the walk
    expect(await idsOf(result.pageKeys, 'items')).toEqual(expectedIds);
  });

  it('page number stops at the total page count', async () => {
    const source = eventsSource(
      env.api,
      {
        recordsPath: 'results',
        paginator: { type: 'page_number', sizeParam: 'per_page', size: 200, totalPagesPath: 'total_pages' },
      },
      { path: '/v1/events/by-page' },
    );
    const result = await extract(source, 'p-page');
    expect(result.pages).toBe(5);
    expect(
      env.api.requests.map((request) => new URL(request.path, 'http://x').searchParams.get('page')),
    ).toEqual(['1', '2', '3', '4', '5']);
    expect(await idsOf(result.pageKeys, 'results')).toEqual(expectedIds);
  });

  it('page number stops on a short page when told the API never caps sizes', async () => {
    const source = eventsSource(
      env.api,
      {
        recordsPath: 'results',
        paginator: { type: 'page_number', sizeParam: 'per_page', size: 200, stopOnShortPage: true },
      },
      { path: '/v1/events/by-page' },
    );
    expect((await extract(source, 'p-page-short')).pages).toBe(5);
    expect(env.api.requests).toHaveLength(5);
  });

  it('cursor paging follows the body cursor until has_more is false', async () => {
    const result = await extractResource(env.deps(), {
      source: builtInSourceAt(env.api, 'events_oauth'),
      resource: 'events',
      batchId: 'p-cursor',
      logicalDate: '2026-11-20',
    });
    expect(result.pages).toBe(3);
    expect(await idsOf(result.pageKeys, 'data')).toEqual(expectedIds);

    const paged = await extractResource(env.deps(), {
      source: oauthEventsInPagesOf(300),
      resource: 'events',
      batchId: 'p-cursor-300',
      logicalDate: '2026-11-20',
    });
    expect(paged.pages).toBe(4);
    expect(await idsOf(paged.pageKeys, 'data')).toEqual(expectedIds);
  });

  it('fails with a pagination error when the API hands back a cursor it already gave', async () => {
    const small = oauthEventsInPagesOf(100);
    env.api.faults.add({ kind: 'repeat_cursor', after: 2 });
    const failure = extractResource(env.deps(), {
      source: small,
      resource: 'events',
      batchId: 'p-loop',
      logicalDate: '2026-11-20',
    });
    await expect(failure).rejects.toThrow(PaginationError);
    await expect(failure).rejects.toThrow(/returned cursor ".+" a second time/);
  });

  it('next link from a relative URL in the body', async () => {
    const source = eventsSource(
      env.api,
      { recordsPath: 'records', paginator: { type: 'next_link', nextUrlPath: 'links.next' } },
      { path: '/v1/events/linked', params: { per_page: '250' } },
    );
    const result = await extract(source, 'p-link-body');
    expect(result.pages).toBe(4);
    expect(await idsOf(result.pageKeys, 'records')).toEqual(expectedIds);
  });

  it('next link from the Link header', async () => {
    const source = eventsSource(
      env.api,
      { recordsPath: 'records', paginator: { type: 'next_link' } },
      { path: '/v1/events/linked', params: { per_page: '250' } },
    );
    const result = await extract(source, 'p-link-header');
    expect(result.pages).toBe(4);
    expect(await idsOf(result.pageKeys, 'records')).toEqual(expectedIds);
  });

  it('reads rel="next" among several links of an RFC 8288 header', () => {
    expect(nextFromLinkHeader('<https://a/1>; rel="prev", <https://a/3>; rel="next"')).toBe('https://a/3');
    expect(nextFromLinkHeader('<https://a/3>; rel="next last"')).toBe('https://a/3');
    expect(nextFromLinkHeader('<https://a/1>; rel="prev"')).toBeUndefined();
    expect(nextFromLinkHeader(null)).toBeUndefined();
  });

  it('lands a page whose records path is missing, then fails rather than leave a gap', async () => {
    const source = eventsSource(env.api, { recordsPath: 'data' });
    const failure = extract(source, 'p-bad-path');
    await expect(failure).rejects.toThrow(ResponseFormatError);
    await expect(failure).rejects.toThrow(/page 1 has no array of records at records path "data"/);
  });
});
