// Starts real tinyproxy instances (Debian's package) for tests: HTTPS CONNECT tunnels with Basic
// proxy authentication and a chosen egress (Bind) address, so the simulator sees the call coming
// from that loopback IP exactly as WeCom sees a company's trusted egress IP.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

  const child: ChildProcess = spawn('tinyproxy', ['-d', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Accepting connections')) {
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (err) => reject(new Error(`tinyproxy could not start (is it installed? npm test installs it): ${err.message}`)));
    child.once('exit', (code) => reject(new Error(`tinyproxy exited with ${code} before accepting connections:\n${output}`)));
  });
  // Keep draining its log so the pipe never fills up and blocks it.
  child.stdout?.resume();
  child.stderr?.resume();

  return {
    host: '127.0.0.1',
    port,
    address: `127.0.0.1:${port}`,
    egress: opts.egress,
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGTERM');
      }),
  };
}
