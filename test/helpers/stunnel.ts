// Starts Debian's stunnel4 as a TLS-terminating front for a plain proxy (tinyproxy): a real
// `https://` proxy, whose certificate is self-signed and must be trusted explicitly.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfSignedCert } from '../../src/simulator/index.js';
import { startDaemon } from './daemon.js';
import { freePort } from './tinyproxy.js';

export interface RunningStunnel {
  port: number;
  /** `https://127.0.0.1:PORT`, as a connection's proxy list spells it */
  address: string;
  /** the certificate (PEM) stunnel presents: the CA a client must trust */
  caPem: string;
  stop(): Promise<void>;
}

/** TLS on 127.0.0.1:<free port>, forwarded in plain TCP to `target` (host:port). */
export async function startStunnel(target: string): Promise<RunningStunnel> {
  const dir = mkdtempSync(join(tmpdir(), 'wecom-sync-stunnel-'));
  const port = await freePort();
  const { key, cert } = await selfSignedCert('127.0.0.1');
  writeFileSync(join(dir, 'key.pem'), key, { mode: 0o600 });
  writeFileSync(join(dir, 'cert.pem'), cert);
  const conf = join(dir, 'stunnel.conf');
  writeFileSync(
    conf,
    ['foreground = yes', 'pid =', `[proxy]`, `accept = 127.0.0.1:${port}`, `connect = ${target}`, `cert = ${join(dir, 'cert.pem')}`, `key = ${join(dir, 'key.pem')}`].join('\n') + '\n',
  );
  const daemon = await startDaemon('stunnel4', [conf], 'Configuration successful', dir);
  return {
    port,
    address: `https://127.0.0.1:${port}`,
    caPem: cert,
    stop: () => daemon.stop(),
  };
}
