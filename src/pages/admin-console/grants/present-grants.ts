import type { AdminSummary } from '../../../admins/admin-management.js';
import type { ClientRecord } from '../../../clients/client-record.js';
import type { GrantSummary } from '../../../oidc/grant-admin.js';
import { formatAge, timeOf } from './format-when.js';

/** The grants page's view model: rows, the per-app totals, and the filters' choices. */
export function presentGrants(input: {
  list: GrantSummary[];
  clients: ClientRecord[];
  admins: AdminSummary[];
  now: number;
}) {
  const names = new Map(input.clients.map((c) => [c.clientId, c.name]));
  const rows = input.list.map((g) => ({
    grantId: g.grantId,
    clientId: g.clientId,
    clientName: names.get(g.clientId) ?? '(deleted app)',
    admin: g.adminUsername,
    accountId: g.accountId,
    scopes: g.scopes,
    created: timeOf(g.createdAt)!,
    lastIssued: timeOf(g.lastIssuedAt),
    lastIssuedAge: g.lastIssuedAt ? formatAge(g.lastIssuedAt, input.now) : null,
    liveTokens: g.liveTokens,
  }));
  const perApp = new Map<string, { clientId: string; clientName: string; grants: number; tokens: number }>();
  for (const r of rows) {
    const a = perApp.get(r.clientId) ?? { clientId: r.clientId, clientName: r.clientName, grants: 0, tokens: 0 };
    a.grants += 1;
    a.tokens += r.liveTokens;
    perApp.set(r.clientId, a);
  }
  return {
    rows,
    apps: [...perApp.values()].sort((a, b) => a.clientName.localeCompare(b.clientName)),
    clientChoices: input.clients.map((c) => ({ value: c.clientId, label: `${c.name} (${c.clientId})` })),
    adminChoices: input.admins.map((a) => a.username),
  };
}
