// A private PostgreSQL server for tests that stop and restart it (the machine's shared server must
// never be restarted: other tests and sessions use it). initdb in a temp dir, trust auth, a free
// loopback port, its socket in the temp dir; as the `postgres` OS user when the tests run as root
// (initdb and postgres refuse to run as root). Binaries: `pg_config --bindir`, else the newest
// /usr/lib/postgresql/*/bin, else /usr/local/bin. stop() and start() keep the data; dispose() stops it
// at once and removes the directory.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './tinyproxy.js';

export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  /** pg_ctl stop -m fast: connections are closed, the server is gone until start() */
  stop(): void;
  start(): void;
  /** stops it (immediately) and removes its directory; safe to call twice, and after a failed start */
  dispose(): void;
}

const hasServer = (dir: string): boolean => ['initdb', 'pg_ctl', 'postgres'].every((b) => existsSync(join(dir, b)));

/** The directory of initdb, pg_ctl and postgres, or null. */
function serverBinDir(): string | null {
  const fromConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (fromConfig.status === 0 && hasServer(fromConfig.stdout.trim())) return fromConfig.stdout.trim();
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => /^\d+(\.\d+)?$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (hasServer(join(base, v, 'bin'))) return join(base, v, 'bin');
  return hasServer('/usr/local/bin') ? '/usr/local/bin' : null;
}

/** The `postgres` user's uid and gid (to run the server as when we are root), or null. */
function postgresUser(): { uid: number; gid: number } | null {
  const r = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  return r.status === 0 && g.status === 0 ? { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) } : null;
}

const asRoot = (): boolean => process.getuid?.() === 0;

/** Why a private server cannot run here, or null when it can. */
export function privatePostgresUnavailable(): string | null {
  if (!serverBinDir()) return 'no PostgreSQL server binaries (initdb, pg_ctl, postgres) found via pg_config --bindir, /usr/lib/postgresql/*/bin or /usr/local/bin';
  if (asRoot() && !postgresUser()) return 'running as root, and there is no `postgres` OS user to run initdb and postgres as (they refuse to run as root)';
  if (asRoot() && !existsSync('/usr/sbin/runuser') && !existsSync('/sbin/runuser')) return 'running as root without runuser (needed to run postgres as the `postgres` user)';
  return null;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = serverBinDir()!;
  const dir = mkdtempSync(join(tmpdir(), 'wecom-sync-pg-'));
  const user = asRoot() ? postgresUser() : null;
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const port = await freePort();
  const run = (tool: string, args: string[]): void => {
    const [cmd, ...rest] = user ? ['runuser', '-u', 'postgres', '--', join(bin, tool), ...args] : [join(bin, tool), ...args];
    execFileSync(cmd!, rest, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  };
  const ctl = (args: string[]): void => {
    try {
      run('pg_ctl', ['-D', data, '-w', '-t', '60', ...args]);
    } catch (e) {
      const log = existsSync(join(dir, 'log')) ? readFileSync(join(dir, 'log'), 'utf8').slice(-2000) : '';
      throw new Error(`pg_ctl ${args.join(' ')} failed: ${(e as Error).message}\n${log}`);
    }
  };
  let disposed = false;
  const pg: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop: () => ctl(['-m', 'fast', 'stop']),
    start: () => ctl(['-l', join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`, 'start']),
    dispose() {
      if (disposed) return;
      disposed = true;
      if (existsSync(join(data, 'postmaster.pid'))) {
        try {
          ctl(['-m', 'immediate', 'stop']);
        } catch {
          // its pid file names the postmaster: end it (and only it) directly
          const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
          if (pid > 0) spawnSync('kill', ['-9', String(pid)]);
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    pg.start();
  } catch (e) {
    pg.dispose();
    throw e;
  }
  return pg;
}
