import { eventAt, eventsBetween } from '../../../local/fixture-api/events';
import { FixtureApi, fixtureCredentials, startFixtureApi } from '../../../local/fixture-api/server';

describe('fixture API', () => {
  let api: FixtureApi;
  beforeAll(async () => (api = await startFixtureApi({ eventCount: 100 })));
  afterAll(async () => api.close());

  const gfnAuth = {
    authorization: `Basic ${Buffer.from(`anyone:${fixtureCredentials.GFN_API_KEY}`).toString('base64')}`,
  };
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${api.url}${path}`, { headers });
    return { status: response.status, body: (await response.json()) as unknown, headers: response.headers };
  };

  it('serves FakeStore carts grouped from the CSV line items, in the API shape', async () => {
    const { body } = await get('/fakestore/carts');
    const carts = body as Array<{ id: number; userId: number; date: string; products: unknown[] }>;
    expect(carts).toHaveLength(7);
    expect(carts[0]).toEqual({
      id: 1,
      userId: 1,
      date: '2020-03-02T00:00:00.000Z',
      products: [
        { productId: 1, quantity: 4 },
        { productId: 2, quantity: 1 },
        { productId: 3, quantity: 6 },
      ],
      __v: 0,
    });
  });

  it('serves FakeStore users nested, password included, as the real API does', async () => {
    const { body } = await get('/fakestore/users/1');
    expect(body).toMatchObject({
      id: 1,
      email: 'john@gmail.com',
      password: 'm38rmF$',
      name: { firstname: 'john', lastname: 'doe' },
      address: { city: 'kilcoole', number: 7682, geolocation: { lat: '-37.3159', long: '81.1496' } },
    });
  });

  it('answers a missing FakeStore id with 200 and null, and honours limit and sort', async () => {
    expect(await get('/fakestore/products/999')).toMatchObject({ status: 200, body: null });
    const { body } = await get('/fakestore/products?limit=3&sort=desc');
    expect((body as Array<{ id: number }>).map((product) => product.id)).toEqual([20, 19, 18]);
  });

  it('refuses GFN requests without the API key with 403', async () => {
    expect((await get('/gfn/v1/countries')).status).toBe(403);
    expect((await get('/gfn/v1/countries', gfnAuth)).status).toBe(200);
  });

  it('filters GFN data by country, year and type code, serving the record name the code maps to', async () => {
    const { body } = await get('/gfn/v1/data/100/2010/EFCpc', gfnAuth);
    expect(body).toEqual([
      expect.objectContaining({ countryCode: 100, year: 2010, record: 'EFConsPerCap', isoa2: 'IN' }),
    ]);
    const namibia = (await get('/gfn/v1/data/147/2000', gfnAuth)).body as Array<{
      isoa2: string | null;
      record: string;
    }>;
    expect(namibia).toHaveLength(7);
    expect(namibia.every((row) => row.isoa2 === null)).toBe(true); // the CSV lost Namibia's "NA"
  });

  it('generates the same events every time, with updated_at growing with the index', () => {
    expect(eventAt(41)).toEqual(eventAt(41));
    const events = eventsBetween(0, 50);
    expect(new Set(events.map((event) => event.id)).size).toBe(50);
    expect(
      events.every((event, index) => index === 0 || event.updated_at > events[index - 1]!.updated_at),
    ).toBe(true);
  });
});
