// Starts real tinyproxy instances (Debian's package) for tests: HTTPS CONNECT tunnels with Basic
// proxy authentication and a chosen egress (Bind) address, so the simulator sees the call coming
// from that loopback IP exactly as WeCom sees a company's trusted egress IP.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon } from './daemon.js';

interface TinyproxyOptions {
  /** egress address the upstream server will see, e.g. 127.0.0.2 */
  egress: string;
  /** ports that CONNECT may reach (the simulator's port) */
  connectPorts: number[];
  username?: string;
  password?: string;
}

export interface RunningTinyproxy {
  host: string;
  port: number;
  /** `host:port`, as a connection's proxy list spells it */
  address: string;
  egress: string;
  stop(): Promise<void>;
}

/** A TCP port that was free a moment ago (tinyproxy cannot listen on port 0 and report it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startTinyproxy(opts: TinyproxyOptions): Promise<RunningTinyproxy> {
  const dir = mkdtempSync(join(tmpdir(), 'wecom-sync-tinyproxy-'));
  const port = await freePort();
  const lines = [
    `Port ${port}`,
    'Listen 127.0.0.1',
    `Bind ${opts.egress}`,
    ...opts.connectPorts.map((p) => `ConnectPort ${p}`),
    'Allow 127.0.0.1',
    'LogLevel Info',
    'MaxClients 200',
    'Timeout 30',
  ];
  if (opts.username) lines.push(`BasicAuth ${opts.username} ${opts.password ?? ''}`);
  const conf = join(dir, 'tinyproxy.conf');
  writeFileSync(conf, lines.join('\n') + '\n');

  const daemon = await startDaemon('tinyproxy', ['-d', '-c', conf], 'Accepting connections', dir);
  return {
    host: '127.0.0.1',
    port,
    address: `127.0.0.1:${port}`,
    egress: opts.egress,
    stop: () => daemon.stop(),
  };
}
