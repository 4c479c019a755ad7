// A helper process for tests (tinyproxy, stunnel4) started in the foreground: resolved once it
// prints its "ready" line, stopped by its pid, its temp directory removed with it.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

export interface Daemon {
  stop(): Promise<void>;
}

export async function startDaemon(command: string, args: string[], ready: string, dir: string): Promise<Daemon> {
  const child: ChildProcess = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(ready)) {
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (err) => reject(new Error(`${command} could not start (is it installed? npm test installs it): ${err.message}`)));
    child.once('exit', (code) => reject(new Error(`${command} exited with ${code} before accepting connections:\n${output}`)));
  });
  // Keep draining its log so the pipe never fills up and blocks it.
  child.stdout?.resume();
  child.stderr?.resume();
  return {
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
