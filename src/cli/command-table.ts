import type { CommandTable } from './cli-context.js';
import { dbCommands } from './db-commands.js';
import { keysCommands } from './keys-commands.js';

/** Every CLI command group; later areas add theirs here. */
export const commandTable: CommandTable = {
  ...dbCommands,
  ...keysCommands,
};
