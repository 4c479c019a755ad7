// Which command groups a command line needs. Each group's module pulls in its own dependencies
// (the admin server's alone is about 170 modules more than `apply` needs), and every module costs
// start-up time through tsx's loader, on every run of the CLI. So only the named command's group
// is loaded; help, the version, no command or an unknown one load them all (the full help, and
// commander's "did you mean" suggestions).
import type { Command } from 'commander';

interface CommandGroup {
  /** The top-level command words the group registers. */
  commands: readonly string[];
  load(): Promise<(program: Command) => void>;
}

/** In the order the full help lists them. */
export const COMMAND_GROUPS: readonly CommandGroup[] = [
  { commands: ['simulator'], load: async () => (await import('./commands/simulator.js')).registerSimulatorCommand },
  { commands: ['import', 'accounts', 'organizations'], load: async () => (await import('./commands/directory.js')).registerDirectoryCommands },
  { commands: ['serve'], load: async () => (await import('./commands/serve.js')).registerServeCommand },
  { commands: ['worker'], load: async () => (await import('./commands/worker.js')).registerWorkerCommand },
  { commands: ['connection'], load: async () => (await import('./commands/connection.js')).registerConnectionCommands },
  { commands: ['users'], load: async () => (await import('./commands/users.js')).registerUsersCommands },
  { commands: ['source'], load: async () => (await import('./commands/source.js')).registerSourceCommands },
  { commands: ['scim'], load: async () => (await import('./commands/scim.js')).registerScimCommands },
  { commands: ['plan', 'apply', 'status', 'sync'], load: async () => (await import('./commands/sync.js')).registerSyncCommands },
];

/** The groups to register for `argv` (process.argv: node, script, arguments). */
export function groupsFor(argv: readonly string[]): readonly CommandGroup[] {
  // the program's own options (--help, --version) take no value, so the first word is the command
  const word = argv.slice(2).find((a) => !a.startsWith('-'));
  const group = word === undefined ? undefined : COMMAND_GROUPS.find((g) => g.commands.includes(word));
  return group ? [group] : COMMAND_GROUPS;
}
