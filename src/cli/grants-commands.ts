import { type CliContext, type CommandTable, CliNotFoundError, CliUsageError, printJson } from './cli-context.js';
import { adminIdOf } from './admin-option.js';
import { clientOptions, optionalClientId } from './client-option.js';

const grants = (ctx: CliContext) => ctx.services.grants;

export const grantsCommands: CommandTable = {
  'grants:list': {
    summary: 'List active grants (one per approval, with a live token): client, admin, scopes, live tokens',
    usage: '[--client <id>] [--admin <username>] [--json]',
    options: {
      ...clientOptions,
      admin: { type: 'string', description: 'only grants this admin approved' },
      json: { type: 'boolean', description: 'JSON output' },
    },
    async run(ctx, { values }) {
      const list = await grants(ctx).list({
        clientId: optionalClientId(values),
        accountId: await adminIdOf(ctx, values.admin),
      });
      if (values.json) {
        printJson(
          ctx.io,
          list.map((g) => ({
            grant_id: g.grantId,
            client_id: g.clientId,
            admin: g.adminUsername,
            account_id: g.accountId,
            scopes: g.scopes,
            created_at: g.createdAt.toISOString(),
            expires_at: g.expiresAt?.toISOString() ?? null,
            live_tokens: g.liveTokens,
          })),
        );
      } else {
        if (!list.length) ctx.io.out('no active grants');
        for (const g of list) {
          const admin = g.adminUsername ?? `(deleted ${g.accountId})`;
          const created = g.createdAt.toISOString();
          const scopes = g.scopes.join(' ');
          ctx.io.out(
            `${g.grantId}  client ${g.clientId}  admin ${admin}  ${created}  tokens ${g.liveTokens}  [${scopes}]`,
          );
        }
      }
      return 0;
    },
  },
  'grants:revoke': {
    summary: 'Revoke one grant and every code and token issued from it',
    usage: '--grant <id>',
    options: { grant: { type: 'string', description: 'grant id (see grants:list)', required: true } },
    async run(ctx, { values }) {
      const grantId = values.grant;
      if (typeof grantId !== 'string' || !grantId) throw new CliUsageError('--grant <id> is required');
      if (!(await grants(ctx).revoke(grantId, 'cli')))
        throw new CliNotFoundError(`no grant ${grantId} (see grants:list)`);
      ctx.io.out(`revoked grant ${grantId}: its tokens are refused now (on every instance within 1 s)`);
      return 0;
    },
  },
};
