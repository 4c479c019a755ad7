// The `wecom-sync` command. Each command group lives in its own module under ./commands and
// registers itself on the program; this file only assembles them.
import { Command } from 'commander';
import { registerSimulatorCommand } from './commands/simulator.js';
import { registerDirectoryCommands } from './commands/directory.js';
import { registerServeCommand } from './commands/serve.js';
import { registerConnectionCommands } from './commands/connection.js';
import { registerSyncCommands } from './commands/sync.js';

const program = new Command();
program
  .name('wecom-sync')
  .description('Keeps Enterprise WeChat (WeCom) departments and members in step with an identity directory.')
  .version('0.1.0')
  .showHelpAfterError();

registerSimulatorCommand(program);
registerDirectoryCommands(program);
registerServeCommand(program);
registerConnectionCommands(program);
registerSyncCommands(program);

await program.parseAsync(process.argv);
