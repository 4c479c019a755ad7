// The embedded store's files hold password hashes, token digests, the audit log and personal
// data; the secret key file sits beside them. They are created private whatever the umask: the
// data directory 0700, the database file 0600 (SQLite gives its -wal and -shm files the database
// file's mode). Existing ones are never changed behind the operator's back: `widerThanPrivate`
// lists those that other users may read, for a warning at start.
import fs from 'node:fs';

const CHECKED = process.platform !== 'win32';

/** Creates `dir` (and missing parents) with mode 0700; an existing directory is left as it is. */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** Creates an empty `file` with mode 0600 unless it exists. */
export function ensurePrivateFile(file: string): void {
  fs.closeSync(fs.openSync(file, 'a', 0o600));
}

/** The database file and the files SQLite keeps beside it. */
export const sqliteFiles = (file: string): string[] => [file, `${file}-wal`, `${file}-shm`, `${file}-journal`];

/** Those of `paths` that exist and that group or others may access, with their modes. */
export function widerThanPrivate(paths: readonly string[]): Array<{ path: string; mode: number; directory: boolean }> {
  if (!CHECKED) return [];
  const out: Array<{ path: string; mode: number; directory: boolean }> = [];
  for (const p of paths) {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      continue;
    }
    if ((st.mode & 0o077) !== 0) out.push({ path: p, mode: st.mode & 0o777, directory: st.isDirectory() });
  }
  return out;
}
