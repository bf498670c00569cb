import type { CliContext } from '../src/cli/cli-context.js';

/**
 * Development only (db:seed refuses production): an admin `demo` with password
 * `orange-Kettle-42-dev` and TOTP. Prints the otpauth:// URI so an authenticator app can add it.
 */
export async function seed(ctx: CliContext): Promise<void> {
  const username = 'demo';
  if (await ctx.services.admins.core.store.findByUsername(username)) {
    ctx.io.out(`admin "${username}" already exists (reset its TOTP with admins:reset-totp --username ${username})`);
    return;
  }
  const { enrolment } = await ctx.services.admins.management.create({
    username,
    password: 'orange-Kettle-42-dev',
    withTotp: true,
  });
  ctx.io.out(`demo admin: ${username} / orange-Kettle-42-dev`);
  ctx.io.out(`TOTP URI (add to an authenticator app): ${enrolment!.otpauthUri}`);
  ctx.io.out(`recovery codes: ${enrolment!.recoveryCodes.join(' ')}`);
}
