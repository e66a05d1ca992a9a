import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalPostgres, startLocalPostgres } from '../../local/postgres/local-postgres';

/**
 * A real PostgreSQL server for the tests of one describe block: started before them in a folder of
 * its own, with `open`'s client on it (a connection, a warehouse); the client closed, the server
 * stopped and the folder removed after them. `client()` and `folder` are for the tests.
 */
export function postgresForTests<Client extends { close(): Promise<void> }>(
  prefix: string,
  open: (server: LocalPostgres) => Promise<Client>,
): { client: () => Client; folder: string } {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  let server: LocalPostgres | undefined;
  let client: Client | undefined;
  beforeAll(async () => {
    server = await startLocalPostgres(join(folder, 'postgres'));
    client = await open(server);
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await server?.stop();
    rmSync(folder, { recursive: true, force: true });
  });
  return {
    client: () => {
      if (!client) throw new Error('the PostgreSQL server has not started (see the beforeAll error)');
      return client;
    },
    folder,
  };
}
