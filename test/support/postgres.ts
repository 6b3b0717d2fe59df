import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** Debian's `postgresql` package puts initdb and postgres under /usr/lib/postgresql/<major>/bin. */
function postgresBinDir(): string | undefined {
  const override = process.env.RELEASE_BOT_POSTGRES_BIN_DIR;
  if (override) return existsSync(join(override, 'postgres')) ? override : undefined;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((major) => existsSync(join(root, major, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] ? join(root, majors[0], 'bin') : undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface RunningPostgres {
  /** postgres://… of a database made for the caller. */
  url: string;
  major: string;
  stop(): Promise<void>;
}

/**
 * A real PostgreSQL server from Debian's package, initialised in a temporary directory and listening on a
 * free loopback port (like the kube-apiserver fixture). initdb refuses to run as root: as root, the server
 * runs as the package's `postgres` user.
 */
export async function startPostgres(): Promise<RunningPostgres> {
  const bin = postgresBinDir();
  if (!bin) {
    throw new Error(
      'no PostgreSQL server: apt-get install postgresql (or set RELEASE_BOT_POSTGRES_BIN_DIR to a directory with initdb and postgres)',
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'release-bot-postgres-'));
  const asRoot = userInfo().uid === 0;
  const run = (command: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  if (asRoot) {
    const { uid, gid } = postgresIds();
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const [initCommand, initArgs] = run(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'release_bot',
    '--auth=trust',
    '--encoding=UTF8',
    '--no-sync',
  ]);
  const init = spawnSync(initCommand, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
  const port = await freePort();
  const [serverCommand, serverArgs] = run(join(bin, 'postgres'), [
    '-D',
    data,
    '-c',
    'listen_addresses=127.0.0.1',
    '-p',
    String(port),
    '-c',
    `unix_socket_directories=${dir}`,
    '-c',
    'fsync=off',
  ]);
  const server: ChildProcess = spawn(serverCommand, serverArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  server.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const url = `postgres://release_bot@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    try {
      await client.connect();
      await client.end();
      break;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline || server.exitCode !== null)
        throw new Error(`PostgreSQL did not start: ${String(error)}\n${log.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    url,
    major: bin.split('/').at(-2) ?? '?',
    async stop() {
      const exited =
        server.exitCode === null
          ? new Promise<void>((resolve) => server.once('exit', () => resolve()))
          : Promise.resolve();
      // pg_ctl's fast shutdown reaches the server itself (runuser does not pass a signal on).
      const [stopCommand, stopArgs] = run(join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'fast', '-w']);
      spawnSync(stopCommand, stopArgs, { encoding: 'utf8', timeout: 30_000 });
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresIds(): { uid: number; gid: number } {
  const id = (flag: string) =>
    Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
}
