// Builds the web console (web/ → web/dist) when it is missing or older than its sources.
// `npm start` runs it first, so a fresh clone serves the console; `--force` always builds.
// Importable: `ensureConsoleBuilt()` (the browser tests call it).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = fileURLToPath(new URL('../web/', import.meta.url));
const distIndex = path.join(webDir, 'dist', 'index.html');
// the console imports the server's message catalogue as it is (src/messages), so it is a source too
const sharedDirs = [fileURLToPath(new URL('../src/messages/', import.meta.url))];

function newestSource(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

export function consoleIsStale() {
  if (!fs.existsSync(distIndex)) return true;
  return Math.max(newestSource(webDir), ...sharedDirs.map(newestSource)) > fs.statSync(distIndex).mtimeMs;
}

export async function ensureConsoleBuilt({ force = false, quiet = false } = {}) {
  if (!force && !consoleIsStale()) return false;
  const { build } = await import('vite');
  const started = Date.now();
  if (!quiet) console.log('[build-console] building the web console (web/ → web/dist)…');
  await build({ configFile: path.join(webDir, 'vite.config.ts'), logLevel: quiet ? 'error' : 'warn' });
  if (!quiet) console.log(`[build-console] built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  ensureConsoleBuilt({ force: process.argv.includes('--force') }).catch((err) => {
    console.error(`[build-console] the web console did not build: ${err.message}`);
    process.exit(1);
  });
}
