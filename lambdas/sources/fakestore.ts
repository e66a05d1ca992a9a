import { defineSource } from './source-config';

/** FakeStore API: products, users and carts; no auth, no pagination. */
export const fakestore = defineSource({
  name: 'fakestore',
  baseUrl: 'https://fakestoreapi.com',
  auth: { type: 'none' },
  rateLimit: { requestsPerMinute: 60, concurrency: 2 },
  resources: [
    { name: 'products', path: '/products', primaryKey: ['id'] },
    { name: 'users', path: '/users', primaryKey: ['id'] },
    {
      name: 'carts',
      path: '/carts',
      primaryKey: ['id'],
      // The API filters carts by day; a day of lag re-reads the last day in case it was still filling.
      incremental: {
        cursorField: 'date',
        type: 'timestamp',
        initialValue: '2020-01-01T00:00:00.000Z',
        param: 'startdate',
        paramFormat: 'date',
        lag: 86_400,
      },
    },
  ],
});
