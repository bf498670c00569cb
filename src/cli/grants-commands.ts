import { cliAuditLog } from './cli-audit-log.js';
import { createGrantAdmin } from '../oidc/grant-admin.js';
import { type CliContext, type CommandTable, CliUsageError, printJson } from './cli-context.js';

const grants = (ctx: CliContext) => createGrantAdmin({ db: ctx.db, clock: ctx.clock, audit: cliAuditLog(ctx) });

export const grantsCommands: CommandTable = {
  'grants:list': {
    summary: 'List live grants (one per approval): client, admin, scopes, live tokens',
    usage: '[--client <id>] [--json]',
    options: {
      client: { type: 'string', description: 'only this client\'s grants' },
      json: { type: 'boolean', description: 'JSON output' },
    },
    async run(ctx, { values }) {
      const list = await grants(ctx).list({ clientId: values.client as string | undefined });
      if (values.json) {
        printJson(ctx.io, list.map((g) => ({
          grant_id: g.grantId, client_id: g.clientId, account_id: g.accountId, scopes: g.scopes,
          created_at: g.createdAt.toISOString(), expires_at: g.expiresAt?.toISOString() ?? null, live_tokens: g.liveTokens,
        })));
      } else {
        if (!list.length) ctx.io.out('no live grants');
        for (const g of list) ctx.io.out(`${g.grantId}  client ${g.clientId}  admin ${g.accountId}  ${g.createdAt.toISOString()}  tokens ${g.liveTokens}  [${g.scopes.join(' ')}]`);
      }
      return 0;
    },
  },
  'grants:revoke': {
    summary: 'Revoke one grant and every code and token issued from it',
    usage: '--grant <id>',
    options: { grant: { type: 'string', description: 'grant id (see grants:list)' } },
    async run(ctx, { values }) {
      const grantId = values.grant;
      if (typeof grantId !== 'string' || !grantId) throw new CliUsageError('--grant <id> is required');
      if (!(await grants(ctx).revoke(grantId, 'cli'))) {
        ctx.io.err(`no grant ${grantId}`);
        return 1;
      }
      ctx.io.out(`revoked grant ${grantId}: its tokens are refused now (JWT access tokens within 5 s)`);
      return 0;
    },
  },
};
