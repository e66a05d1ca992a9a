import { defineSource } from './source-config';

/** The OAuth2 style of event API: client-credentials tokens, cursor pagination, incremental on updated_at. */
export const eventsOauth = defineSource({
  name: 'events_oauth',
  baseUrl: 'https://events.example.com/oauth-api',
  auth: {
    type: 'oauth2_client_credentials',
    tokenUrl: 'oauth/token',
    clientId: { secret: 'EVENTS_OAUTH_CLIENT_ID' },
    clientSecret: { secret: 'EVENTS_OAUTH_CLIENT_SECRET' },
  },
  recordsPath: 'data',
  paginator: {
    type: 'cursor',
    cursorPath: 'next_cursor',
    hasMorePath: 'has_more',
    sizeParam: 'limit',
    size: 1000,
  },
  rateLimit: { concurrency: 4 },
  resources: [
    {
      name: 'events',
      path: '/v1/events',
      primaryKey: ['id'],
      incremental: {
        cursorField: 'updated_at',
        type: 'timestamp',
        initialValue: '2026-01-01T00:00:00.000Z',
        param: 'updated_since',
        // Five minutes of overlap catch events written while the previous run was reading.
        lag: 300,
      },
    },
  ],
});

/** The API-key style of event API: a key in a header, offset/limit pagination with a total. */
export const eventsApikey = defineSource({
  name: 'events_apikey',
  baseUrl: 'https://events.example.com/apikey-api',
  auth: { type: 'api_key', in: 'header', name: 'X-API-Key', value: { secret: 'EVENTS_API_KEY' } },
  recordsPath: 'items',
  paginator: { type: 'offset', limit: 1000, totalPath: 'total' },
  rateLimit: { concurrency: 4 },
  resources: [{ name: 'events', path: '/v1/events', primaryKey: ['id'] }],
});
