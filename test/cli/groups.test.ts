// The CLI loads only the command group a command line names (start-up time); help, the version
// and unknown commands get every group.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMAND_GROUPS, groupsFor } from '../../src/cli/groups.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/wecom-sync.mjs');
const argv = (...args: string[]): string[] => ['node', 'wecom-sync', ...args];

describe('CLI command groups', () => {
  it('each group registers exactly the commands it is listed with', async () => {
    for (const group of COMMAND_GROUPS) {
      const program = new Command();
      (await group.load())(program);
      expect(program.commands.map((c) => c.name()).sort()).toEqual([...group.commands].sort());
    }
  });

  it('a command line loads only its own group', () => {
    expect(groupsFor(argv('apply', '--connection', 'acme', '--yes')).flatMap((g) => g.commands)).toEqual(['plan', 'apply', 'status', 'sync']);
    expect(groupsFor(argv('plan', '--help')).flatMap((g) => g.commands)).toContain('plan');
    expect(groupsFor(argv('import', 'accounts.csv')).flatMap((g) => g.commands)).toEqual(['import', 'accounts', 'organizations']);
    expect(groupsFor(argv('connection', 'create', '--name', 'serve'))).toHaveLength(1);
  });

  it('help, the version, no command and an unknown command load every group', () => {
    for (const args of [[], ['--help'], ['-h'], ['--version'], ['help', 'plan'], ['aply']]) expect(groupsFor(argv(...args))).toBe(COMMAND_GROUPS);
  });

  it('the full help still lists every command', () => {
    const r = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    for (const word of COMMAND_GROUPS.flatMap((g) => g.commands)) expect(r.stdout).toMatch(new RegExp(`^\\s+${word}\\b`, 'm'));
  });
});
