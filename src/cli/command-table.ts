import type { CommandTable } from './cli-context.js';
import { dbCommands } from './db-commands.js';
import { keysCommands } from './keys-commands.js';
import { magentoCommands } from './magento-commands.js';
import { scopesCommands } from './scopes-commands.js';
import { adminsCommands } from './admins-commands.js';
import { clientsCommands } from './clients-commands.js';
import { grantsCommands } from './grants-commands.js';
import { auditCommands } from './audit-commands.js';
import { auditTrailCommands } from './audit-trail-commands.js';
import { sessionsCommands } from './sessions-commands.js';
import { blocksCommands } from './blocks-commands.js';
import { tokensCommands } from './tokens-commands.js';
import { doctorCommands } from './doctor-commands.js';

/** Every CLI command group; later areas add theirs here. */
export const commandTable: CommandTable = {
  ...dbCommands,
  ...keysCommands,
  ...magentoCommands,
  ...scopesCommands,
  ...adminsCommands,
  ...clientsCommands,
  ...grantsCommands,
  ...auditCommands,
  ...auditTrailCommands,
  ...sessionsCommands,
  ...blocksCommands,
  ...tokensCommands,
  ...doctorCommands,
};
