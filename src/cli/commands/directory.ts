import type { Command } from 'commander';

export function registerDirectoryCommands(_program: Command): void {}
