import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(new URL('../../../src/mapping', import.meta.url).pathname);
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));

// The one package allowed: re2js, the linear-time regex engine (pure JavaScript, no I/O).
const PACKAGES = new Set(['re2js']);

describe('the mapping room stays pure', () => {
  it('imports only its own modules, src/domain and re2js (no I/O, no wecom, no other packages)', () => {
    for (const file of files(root)) {
      const source = readFileSync(file, 'utf8');
      for (const m of source.matchAll(/\bfrom\s+'([^']+)'|\bimport\s*\(\s*'([^']+)'/g)) {
        const spec = (m[1] ?? m[2])!;
        if (PACKAGES.has(spec)) continue;
        expect(spec.startsWith('.'), `${relative(root, file)} imports ${spec}`).toBe(true);
        const target = relative(resolve(root, '..'), resolve(file, '..', spec));
        expect(/^(mapping|domain)\//.test(target), `${relative(root, file)} imports ${spec}`).toBe(true);
      }
      expect(source, relative(root, file)).not.toMatch(/(?<![.\w])eval\s*\(|new Function\b|\bRegExp\s*\(\s*[a-z]/);
    }
  });
});
