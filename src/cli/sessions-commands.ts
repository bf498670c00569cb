import { adminIdOf } from './admin-option.js';
import type { AdminSession } from '../admins/admin-sessions.js';
import { type CliContext, type CommandTable, CliNotFoundError, CliUsageError, printJson } from './cli-context.js';

const sessions = (ctx: CliContext) => ctx.services.admins.sessions;

/** Same field names as grants:list: `admin` is the username. */
const present = (s: AdminSession) => ({
  session_id: s.sessionId,
  admin: s.adminUsername,
  admin_id: s.adminId,
  signed_in_at: s.signedInAt?.toISOString() ?? null,
  expires_at: s.expiresAt?.toISOString() ?? null,
});

const line = (s: AdminSession) =>
  `${s.sessionId}  ${(s.adminUsername ?? `(deleted ${s.adminId})`).padEnd(20)}  signed in ` +
  `${s.signedInAt?.toISOString() ?? '-'}  expires ${s.expiresAt?.toISOString() ?? '-'}`;

export const sessionsCommands: CommandTable = {
  'sessions:list': {
    summary: 'List admin sign-in sessions (browser sessions of the sign-in pages), newest first',
    usage: '[--admin <username>] [--json]',
    options: {
      admin: { type: 'string', description: "only this admin's sessions" },
      json: { type: 'boolean', description: 'JSON output' },
    },
    async run(ctx, { values }) {
      const list = await sessions(ctx).list({ adminId: await adminIdOf(ctx, values.admin) });
      if (values.json) printJson(ctx.io, list.map(present));
      else if (!list.length) ctx.io.out('no sign-in sessions');
      else for (const s of list) ctx.io.out(line(s));
      return 0;
    },
  },
  'sessions:revoke': {
    summary: "End sign-in sessions (one, or all of an admin's): that browser must sign in again",
    usage: '--session <id> | --admin <username> [--json]',
    options: {
      session: { type: 'string', description: 'session id (see sessions:list)' },
      admin: { type: 'string', description: 'every session of this admin' },
      json: { type: 'boolean', description: 'JSON output' },
    },
    async run(ctx, { values }) {
      const { session, admin } = values;
      if ((session === undefined) === (admin === undefined))
        throw new CliUsageError('give either --session <id> or --admin <username>');
      let revoked: AdminSession[];
      if (session !== undefined) {
        if (typeof session !== 'string' || !session.trim()) throw new CliUsageError('--session needs a session id');
        revoked = await sessions(ctx).revokeSession(session.trim(), 'cli');
        if (!revoked.length) throw new CliNotFoundError(`no sign-in session ${session} (see sessions:list)`);
      } else {
        revoked = await sessions(ctx).revokeForAdmin((await adminIdOf(ctx, admin))!, 'cli');
      }
      if (values.json) printJson(ctx.io, { revoked: revoked.map(present) });
      else
        ctx.io.out(
          `revoked ${revoked.length} sign-in ` +
            `session(s)${revoked.length ? ': ' + revoked.map((s) => s.sessionId).join(' ') : ''}`,
        );
      return 0;
    },
  },
};
