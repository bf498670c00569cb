import { type CliContext, CliUsageError } from './cli-context.js';

/** The admin's id for an `--admin <username>` filter; an unknown username is "not found" (exit 3). */
export async function adminIdOf(ctx: CliContext, username: unknown): Promise<string | undefined> {
  if (username === undefined) return undefined;
  if (typeof username !== 'string' || !username.trim()) throw new CliUsageError('--admin needs a username');
  return (await ctx.services.admins.management.get(username.trim())).id;
}
