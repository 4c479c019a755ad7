// The `wecom-sync` command. Each command group lives in its own module under ./commands and
// registers itself on the program; this file only assembles the groups the command line needs
// (see ./groups.ts).
import { Command } from 'commander';
import { groupsFor } from './groups.js';

const program = new Command();
program
  .name('wecom-sync')
  .description('Keeps Enterprise WeChat (WeCom) departments and members in step with an identity directory.')
  .version('0.1.0')
  .showHelpAfterError();

const groups = groupsFor(process.argv);
for (const register of await Promise.all(groups.map((g) => g.load()))) register(program);

await program.parseAsync(process.argv);
