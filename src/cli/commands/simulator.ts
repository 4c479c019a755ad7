import type { Command } from 'commander';

export function registerSimulatorCommand(program: Command): void {
  program.command('simulator').description('Run the WeCom contact-API simulator (not yet implemented)');
}
