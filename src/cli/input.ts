// Values a command reads from files or stdin rather than its command line (shell history, `ps`):
// secrets, passwords, certificates. Unreadable input is a usage error (exit 2).
import fs from 'node:fs';
import { UsageError } from './shared.js';

let stdinUsed = false;
function readStdin(what: string): string {
  if (stdinUsed) throw new UsageError(`only one value can come from stdin; read ${what} from a file instead`);
  stdinUsed = true;
  try {
    return fs.readFileSync(0, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${what} from stdin: ${(err as Error).message}`);
  }
}

export function readFileText(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `${what} file not found: ${file}` : code === 'EISDIR' ? `${file} is a directory` : `cannot read ${what} from ${file}: ${(err as Error).message}`);
  }
}

/** A secret from a file or stdin: the first line, without its line break. */
export function readSecret(file: string | undefined, stdin: boolean | undefined, what: string, flag: string): string | undefined {
  if (file !== undefined && stdin) throw new UsageError(`give ${what} with either ${flag}-file or ${flag}-stdin, not both`);
  let text: string | undefined;
  if (file !== undefined) text = readFileText(file, what);
  else if (stdin) text = readStdin(what);
  if (text === undefined) return undefined;
  const value = text.replace(/^\uFEFF/, '').replace(/\r?\n$/, '').replace(/[ \t]+$/, '');
  if (value === '') throw new UsageError(`${what} is empty${file !== undefined ? ` (${file})` : ''}`);
  if (/[\r\n]/.test(value)) throw new UsageError(`${what} must be a single line${file !== undefined ? ` (${file})` : ''}`);
  return value;
}
