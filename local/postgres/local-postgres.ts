import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/**
 * A real PostgreSQL server of the project's own, on loopback, its cluster in the data folder: what
 * `npm start -- --warehouse postgres` uses when no DATABASE_URL is given (issue 21), and what the
 * tests start. Debian's `postgresql` package provides the binaries (`apt-get install -y postgresql`;
 * `.ci/run` installs it when missing). Not an emulation: initdb, then pg_ctl, then SQL over TCP.
 */
export interface LocalPostgres {
  /** postgres://… for `pg` (user, loopback host, port, database). */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Where initdb and pg_ctl are: PG_BIN, else the newest of Debian's /usr/lib/postgresql/<major>/bin. */
export function postgresBinaries(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PG_BIN) return env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((name) => /^\d+$/.test(name) && existsSync(join(root, name, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!majors.length)
    throw new Error(
      'no PostgreSQL server binaries here: apt-get install -y postgresql (or set PG_BIN to the folder holding initdb and pg_ctl, or DATABASE_URL to use a server you have)',
    );
  return join(root, majors[0]!, 'bin');
}

/** A free TCP port on loopback, from the kernel. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * initdb refuses to run as root (a server must not own the machine): as root, the cluster belongs
 * to the `postgres` user Debian's package creates, and its commands run as that user.
 */
function asServerUser(command: string, args: string[]): { command: string; args: string[] } {
  if (userInfo().uid !== 0) return { command, args };
  return { command: 'runuser', args: ['-u', 'postgres', '--', command, ...args] };
}

function run(command: string, args: string[], what: string): void {
  const invocation = asServerUser(command, args);
  const result = spawnSync(invocation.command, invocation.args, { encoding: 'utf8' });
  if (result.status !== 0)
    throw new Error(
      `${what} failed: ${(result.stderr || result.stdout || String(result.error)).trim().split('\n').slice(-3).join(' ')}`,
    );
}

/**
 * Starts the cluster in `directory` (made by initdb on first use, kept afterwards: a second run finds
 * its data), listening on loopback only, with `database` created if missing.
 */
export async function startLocalPostgres(folder: string, database = 'pipeline'): Promise<LocalPostgres> {
  // Absolute: the server resolves its paths (the socket folder) from the cluster, not from here.
  const directory = resolve(folder);
  const bin = postgresBinaries();
  const cluster = join(directory, 'cluster');
  const sockets = join(directory, 'sockets');
  mkdirSync(sockets, { recursive: true });
  const serverUser = userInfo().uid === 0 ? 'postgres' : userInfo().username;
  if (userInfo().uid === 0) {
    // The server user owns its cluster and socket folder; the data folder above stays the caller's.
    const { uid, gid } = lookupUser('postgres');
    chmodSync(directory, 0o755);
    letServerUserThrough(directory);
    chownSync(sockets, uid, gid);
    if (!existsSync(cluster)) {
      mkdirSync(cluster, { mode: 0o700 });
      chownSync(cluster, uid, gid);
    }
  }
  if (!existsSync(join(cluster, 'PG_VERSION')))
    run(
      join(bin, 'initdb'),
      ['-D', cluster, '-U', serverUser, '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8'],
      'initdb',
    );
  const ownerFile = join(sockets, 'owner.pid');
  const stop = async () => {
    rmSync(ownerFile, { force: true });
    run(join(bin, 'pg_ctl'), ['-D', cluster, '-m', 'fast', '-w', 'stop'], 'stopping PostgreSQL');
  };
  const running = runningPort(bin, cluster);
  // A server another command started (npm start, while npm run sql reads) is used, and left to that
  // command to stop; one whose command is gone (killed, Ctrl-C) is this command's to stop.
  const ours = running === undefined || !commandAlive(ownerFile);
  const port = running ?? (await startOnFreePort(bin, cluster, sockets));
  if (ours) writeFileSync(ownerFile, String(process.pid));
  createDatabaseIfMissing(bin, port, serverUser, database);
  return {
    url: `postgres://${serverUser}@127.0.0.1:${port}/${database}`,
    port,
    stop: ours ? stop : async () => undefined,
  };
}

function createDatabaseIfMissing(bin: string, port: number, user: string, database: string): void {
  if (!/^[a-z_][a-z0-9_]*$/.test(database))
    throw new Error(`"${database}" is not a database name this starts: lower-case letters, digits and _`);
  const connection = ['-h', '127.0.0.1', '-p', String(port), '-U', user];
  const exists = spawnSync(
    join(bin, 'psql'),
    [...connection, '-d', 'postgres', '-tAc', `select 1 from pg_database where datname = '${database}'`],
    { encoding: 'utf8' },
  );
  if (exists.stdout.trim() !== '1') execFileSync(join(bin, 'createdb'), [...connection, database]);
}

/** Whether the command whose pid `ownerFile` holds is still running (and is not this one). */
function commandAlive(ownerFile: string): boolean {
  const pid = existsSync(ownerFile) ? Number(readFileSync(ownerFile, 'utf8')) : NaN;
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The server user must reach its cluster through every folder above it: a folder that others cannot
 * pass through (mkdtemp's are 0700) gets the pass-through bit only (o+x: no listing, no reading).
 */
function letServerUserThrough(directory: string): void {
  for (let folder = resolve(directory); folder !== dirname(folder); folder = dirname(folder)) {
    const { mode } = statSync(folder);
    if (!(mode & 0o001)) chmodSync(folder, (mode & 0o7777) | 0o001);
  }
}

/**
 * pg_ctl start on a port the kernel says is free. Another process may take it between the kernel's
 * answer and the server's bind (tests start servers side by side): then it tries another port.
 */
async function startOnFreePort(bin: string, cluster: string, sockets: string): Promise<number> {
  const log = join(sockets, 'server.log');
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    try {
      run(
        join(bin, 'pg_ctl'),
        [
          '-D',
          cluster,
          '-l',
          log,
          '-w',
          '-o',
          // No fsync=off: the cluster holds the user's warehouse between runs, and a crash must not
          // damage it. synchronous_commit=off may lose the last commits of a crash, never the cluster.
          `-h 127.0.0.1 -p ${port} -k ${sockets} -c synchronous_commit=off`,
          'start',
        ],
        'starting PostgreSQL',
      );
      return port;
    } catch (error) {
      const taken = existsSync(log) && /Address already in use/.test(readFileSync(log, 'utf8').slice(-2000));
      if (!taken || attempt === 3)
        throw new Error(`${(error as Error).message} (its log: ${log})`, { cause: error });
    }
  }
}

/**
 * The port of the server running on `cluster`, if one is (`pg_ctl status`; its postmaster.pid's
 * fourth line is the port).
 */
function runningPort(bin: string, cluster: string): number | undefined {
  const invocation = asServerUser(join(bin, 'pg_ctl'), ['-D', cluster, 'status']);
  if (spawnSync(invocation.command, invocation.args).status !== 0) return undefined;
  const port = Number(readFileSync(join(cluster, 'postmaster.pid'), 'utf8').split('\n')[3]);
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

/** A local user's numeric ids (the cluster's owner), from `id`. */
function lookupUser(name: string): { uid: number; gid: number } {
  const id = (flag: '-u' | '-g') => Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}
