// The README's command lines, as a newcomer copies them: `npx wecom-sync …` (the command is not on
// PATH), the simulator's example company a corpid the connection form accepts without a warning,
// and every example that writes the store naming it (--data-dir), since the CLI works on the store
// the running service uses.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpIdWarnings } from '../../src/domain/connection.js';

const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
/** The lines of the README's sh code blocks, continuation lines joined. */
const shellLines = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.replace(/\\\n\s*/g, ' ').split('\n')).filter((l) => l.trim() !== '');

describe('the README command lines', () => {
  it('run the CLI through npx', () => {
    const bare = shellLines.filter((l) => /^\s*wecom-sync\s/.test(l));
    expect(bare).toEqual([]);
    expect(readme).not.toMatch(/`wecom-sync (simulator|connection|import|plan|apply|status|sync|scim)\b[^`]*`/);
  });

  it("start the simulator with a company whose corpid draws no warning", () => {
    const sim = shellLines.find((l) => l.includes('wecom-sync simulator'));
    const corpId = /--corp (\w+):/.exec(sim ?? '')?.[1];
    expect(corpId).toBeDefined();
    expect(corpIdWarnings(corpId!)).toEqual([]);
  });

  it('name the store in every example that writes it', () => {
    const writes = shellLines.filter((l) => /npx wecom-sync (import|connection (create|update|delete)|scim create|apply|sync)\b/.test(l));
    expect(writes.length).toBeGreaterThan(4);
    for (const l of writes) expect(l, l).toContain('--data-dir');
  });
});
