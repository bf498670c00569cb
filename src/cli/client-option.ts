import { CliUsageError, type OptionSpec } from './cli-context.js';

/** `--client <id>` in every command; `--client-id` is kept as its alias. */
export const clientOptions = {
  client: { type: 'string', description: 'Client id (see clients:list)' },
  'client-id': { type: 'string', description: 'Same as --client' },
} as const satisfies Record<string, OptionSpec>;

export function optionalClientId(values: Record<string, unknown>): string | undefined {
  const a = values.client;
  const b = values['client-id'];
  if (typeof a === 'string' && typeof b === 'string' && a !== b)
    throw new CliUsageError('--client and --client-id name different clients; give one');
  const id = a ?? b;
  if (id === undefined) return undefined;
  if (typeof id !== 'string' || !id.trim()) throw new CliUsageError('--client needs a client id');
  return id.trim();
}

export function requiredClientId(values: Record<string, unknown>): string {
  const id = optionalClientId(values);
  if (!id) throw new CliUsageError('--client <id> is required');
  return id;
}
