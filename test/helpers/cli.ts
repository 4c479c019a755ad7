// Test helper: `wecom-sync …` as a real process, without the store settings of the environment the
// tests run in (DATABASE_URL, WECOM_SYNC_DATA_DIR, WECOM_SYNC_SECRET_KEY), stdin given as text.
// Asynchronous: a simulator or a store in the test's process must keep answering meanwhile.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'bin', 'wecom-sync.mjs');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}): Promise<CliRun> {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  delete env.WECOM_SYNC_DATA_DIR;
  delete env.WECOM_SYNC_SECRET_KEY;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: { ...env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.stdin ?? '');
  });
}
