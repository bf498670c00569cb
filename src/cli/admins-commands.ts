import QRCode from 'qrcode';
import type { AdminSummary, TotpEnrolment } from '../admins/admin-management.js';
import { type CliContext, type CommandTable, CliNotFoundError, CliUsageError, printJson } from './cli-context.js';
import { presentAdmin } from './present-json.js';

function management(ctx: CliContext) {
  return ctx.services.admins.management;
}

function usernameOf(values: Record<string, unknown>): string {
  const u = values.username;
  if (typeof u !== 'string' || !u.trim()) throw new CliUsageError('--username is required');
  return u.trim();
}

/** Passwords come from stdin only (never argv: it shows in `ps` and shell history). */
async function passwordFromStdin(ctx: CliContext, values: Record<string, unknown>): Promise<string> {
  if (!values['password-stdin'])
    throw new CliUsageError('pass the password on standard input with --password-stdin (never on the command line)');
  const password = (await ctx.io.readStdin()).replace(/\r?\n$/, '');
  if (!password) throw new CliUsageError('no password on standard input');
  return password;
}

async function printEnrolment(ctx: CliContext, e: TotpEnrolment): Promise<void> {
  ctx.io.out('Add this account to an authenticator app (scan the QR code or use the URI):');
  ctx.io.out(await QRCode.toString(e.otpauthUri, { type: 'terminal', small: true }));
  ctx.io.out(e.otpauthUri);
  ctx.io.out(`Setup key: ${e.secret}`);
  ctx.io.out('');
  ctx.io.out('Recovery codes (each works once; store them safely, they are not shown again):');
  for (const c of e.recoveryCodes) ctx.io.out(`  ${c}`);
}

const username = { type: 'string', description: 'Admin username', required: true } as const;
const json = { type: 'boolean', description: 'JSON output' } as const;
const passwordStdin = { type: 'boolean', description: 'Read the password from standard input' } as const;

export const adminsCommands: CommandTable = {
  'admins:create': {
    summary: 'Create a store admin (prints the TOTP QR code / otpauth URI and recovery codes once)',
    usage: '--username <u> --password-stdin [--role owner|auditor] [--no-totp] [--json]',
    options: {
      username,
      role: { type: 'string', description: 'owner (everything, the default) or auditor (read and export only)' },
      'password-stdin': passwordStdin,
      'no-totp': { type: 'boolean', description: 'Skip TOTP now: the admin enrols at the first login' },
      json,
    },
    async run(ctx, { values }) {
      const name = usernameOf(values);
      const password = await passwordFromStdin(ctx, values);
      const { admin, enrolment } = await management(ctx).create({
        username: name,
        password,
        withTotp: !values['no-totp'],
        role: typeof values.role === 'string' ? values.role : undefined,
      });
      if (values.json) {
        printJson(ctx.io, {
          ...presentAdmin(admin),
          ...(enrolment
            ? {
                otpauth_uri: enrolment.otpauthUri,
                totp_secret: enrolment.secret,
                recovery_codes: enrolment.recoveryCodes,
              }
            : {}),
        });
        return 0;
      }
      ctx.io.out(`created admin ${admin.username} (${admin.id}), role ${admin.role}`);
      if (enrolment) await printEnrolment(ctx, enrolment);
      else ctx.io.out('No TOTP yet: the admin sets up an authenticator app at the first sign-in.');
      return 0;
    },
  },
  'admins:list': {
    summary: 'List admins (TOTP enrolled, disabled, locked, last login)',
    options: { json },
    async run(ctx, { values }) {
      const list = await management(ctx).list();
      if (values.json) printJson(ctx.io, list.map(presentAdmin));
      else if (!list.length) ctx.io.out('no admins yet: create one with admins:create');
      else for (const a of list) ctx.io.out(adminLine(a));
      return 0;
    },
  },
  'admins:show': {
    summary: 'Show one admin (TOTP enrolled, disabled, locked, last login, created)',
    options: { username, json },
    async run(ctx, { values }) {
      const a = await management(ctx).get(usernameOf(values));
      if (values.json) printJson(ctx.io, presentAdmin(a));
      else {
        ctx.io.out(`username:    ${a.username}`);
        ctx.io.out(`id:          ${a.id}`);
        ctx.io.out(`role:        ${a.role}`);
        ctx.io.out(`totp:        ${a.totpEnrolled ? 'enrolled' : 'not yet (enrols at the next sign-in)'}`);
        const locked = a.lockedUntil ? `, locked until ${a.lockedUntil}` : '';
        ctx.io.out(`state:       ${a.disabled ? 'disabled' : 'enabled'}${locked}`);
        ctx.io.out(`last login:  ${a.lastLoginAt ?? 'never'}`);
        ctx.io.out(`created:     ${a.createdAt}`);
      }
      return 0;
    },
  },
  'admins:set-role': {
    summary: 'Change an admin’s role: owner (everything) or auditor (read and export only)',
    usage: '--username <u> --role owner|auditor',
    options: { username, role: { type: 'string', description: 'owner or auditor', required: true }, json },
    async run(ctx, { values }) {
      if (typeof values.role !== 'string') throw new CliUsageError('--role is required (owner or auditor)');
      const a = await management(ctx).setRole(usernameOf(values), values.role);
      if (values.json) printJson(ctx.io, presentAdmin(a));
      else ctx.io.out(`${a.username} is now ${a.role === 'owner' ? 'an owner' : 'an auditor'}`);
      return 0;
    },
  },
  'admins:enable': {
    summary: 'Enable a disabled admin again',
    options: { username },
    async run(ctx, { values }) {
      await management(ctx).setDisabled(usernameOf(values), false);
      ctx.io.out('admin enabled');
      return 0;
    },
  },
  'admins:delete': {
    summary:
      'Delete an admin with its sign-in sessions and the grants it approved (needs --yes; never the last ' +
      'enabled admin)',
    options: { username, yes: { type: 'boolean', description: 'Confirm the deletion' }, json },
    async run(ctx, { values }) {
      const name = usernameOf(values);
      if (!values.yes)
        throw new CliUsageError(
          'deleting an admin signs it out and revokes the grants it approved; add --yes to confirm',
        );
      const r = await management(ctx).delete(name);
      if (values.json)
        printJson(ctx.io, {
          username: r.admin.username,
          id: r.admin.id,
          sessions_revoked: r.sessions,
          grants_revoked: r.grants,
        });
      else
        ctx.io.out(
          `deleted admin ${r.admin.username}: ${r.sessions} sign-in session(s) and ${r.grants} grant(s) revoked`,
        );
      return 0;
    },
  },
  'admins:reset-totp': {
    summary: 'Forget an admin’s TOTP secret and recovery codes; they enrol again at the next login',
    options: { username },
    async run(ctx, { values }) {
      await management(ctx).resetTotp(usernameOf(values));
      ctx.io.out('TOTP reset: the admin sets up an authenticator app at the next sign-in');
      return 0;
    },
  },
  'admins:disable': {
    summary: 'Disable an admin (cannot sign in or approve; --enable turns it back on)',
    options: { username, enable: { type: 'boolean', description: 'Enable instead of disable' } },
    async run(ctx, { values }) {
      await management(ctx).setDisabled(usernameOf(values), !values.enable);
      ctx.io.out(values.enable ? 'admin enabled' : 'admin disabled');
      return 0;
    },
  },
  'admins:unlock': {
    summary: 'Lift a lockout after failed sign-in attempts',
    options: { username },
    async run(ctx, { values }) {
      await management(ctx).unlock(usernameOf(values));
      ctx.io.out('admin unlocked');
      return 0;
    },
  },
  'admins:set-password': {
    summary: 'Set an admin’s password (read from standard input)',
    usage: '--username <u> --password-stdin',
    options: { username, 'password-stdin': passwordStdin },
    async run(ctx, { values }) {
      const name = usernameOf(values);
      const password = await passwordFromStdin(ctx, values);
      await management(ctx).setPassword(name, password);
      ctx.io.out('password updated');
      return 0;
    },
  },
  'admins:passkeys': {
    summary: 'List an admin’s passkeys, or remove one (--remove <id>; audited, actor cli)',
    usage: '--username <u> [--remove <passkey id>] [--json]',
    options: {
      username,
      remove: { type: 'string', description: 'The id of the passkey to remove (from the list)' },
      json,
    },
    async run(ctx, { values }) {
      const admin = await management(ctx).get(usernameOf(values));
      const passkeys = ctx.services.admins.passkeys;
      if (typeof values.remove === 'string') {
        const removed = await passkeys.remove(admin.id, values.remove.trim(), 'cli', null);
        if (!removed) throw new CliNotFoundError(`${admin.username} has no passkey with id "${values.remove}"`);
        if (values.json) printJson(ctx.io, { removed: { id: removed.id, name: removed.name } });
        else ctx.io.out(`removed passkey "${removed.name}" (${removed.id}) of ${admin.username}`);
        return 0;
      }
      const list = await passkeys.list(admin.id);
      if (values.json) {
        printJson(
          ctx.io,
          list.map((p) => ({
            id: p.id,
            name: p.name,
            created_at: p.createdAt.toISOString(),
            last_used_at: p.lastUsedAt?.toISOString() ?? null,
            transports: p.transports,
            backed_up: p.backedUp,
            counter: p.counter,
          })),
        );
        return 0;
      }
      if (!list.length) ctx.io.out(`${admin.username} has no passkey`);
      for (const p of list)
        ctx.io.out(
          [
            p.id,
            p.name.padEnd(24),
            `added ${p.createdAt.toISOString()}`,
            p.lastUsedAt ? `last used ${p.lastUsedAt.toISOString()}` : 'never used',
          ].join('  '),
        );
      return 0;
    },
  },
};

function adminLine(a: AdminSummary): string {
  return [
    a.username.padEnd(24),
    a.role.padEnd(7),
    a.totpEnrolled ? 'totp' : 'no-totp',
    a.disabled ? 'disabled' : 'active',
    a.lockedUntil ? `locked until ${a.lockedUntil}` : '',
    a.lastLoginAt ? `last login ${a.lastLoginAt}` : 'never logged in',
  ]
    .filter(Boolean)
    .join('  ');
}
