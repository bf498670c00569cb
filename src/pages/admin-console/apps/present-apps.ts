import type { ClientRecord } from '../../../clients/client-record.js';
import { OIDC_SCOPES } from '../../../clients/oidc-scopes.js';
import { secretAge } from '../../../clients/secret-age.js';
import type { ScopeCatalog } from '../../../api-catalog/scope-catalog.js';
import type { AppActivity } from './app-activity.js';

/** `?done=` codes → fixed sentences (nothing from the query is ever shown). */
export const DONE: Record<string, string> = {
  updated: 'The app’s settings are saved.',
  needs_secret:
    'The app’s settings are saved. It now authenticates with a client secret but has none yet: ' +
    'issue one with “Issue a new secret”.',
  disabled: 'The app is disabled: its requests are refused and its tokens no longer work.',
  enabled: 'The app is enabled again.',
  deleted: 'The app is deleted, with its grants and tokens.',
};

const OIDC_SCOPE_TEXT: Record<string, { title: string; description: string }> = {
  openid: { title: 'Sign-in identity (OpenID Connect)', description: 'ID tokens naming the approving admin.' },
  offline_access: {
    title: 'Stay connected (refresh tokens)',
    description: 'The app keeps access without asking again, until the grant is revoked.',
  },
};

export interface ScopeChoice {
  name: string;
  title: string;
  description: string;
  field: string;
}

/** Every scope an app may be given: the scope catalog's, then the protocol ones. */
export function scopeChoices(catalog: ScopeCatalog): Omit<ScopeChoice, 'field'>[] {
  return [
    ...[...catalog.scopes.values()].map((s) => ({ name: s.name, title: s.title, description: s.description })),
    ...OIDC_SCOPES.map((name) => ({ name, ...OIDC_SCOPE_TEXT[name]! })),
  ];
}

export interface SecretStatus {
  /** "42 days old", "No secret (public app)". */
  text: string;
  rotationDue: boolean;
}

export function secretStatus(c: ClientRecord, now: number, maxAgeDays: number): SecretStatus {
  const age = secretAge(c, now, maxAgeDays);
  if (!age)
    return { text: c.type === 'public' ? 'No secret (public app)' : 'No secret (signed JWT)', rotationDue: false };
  const days = age.ageDays === 1 ? '1 day' : `${age.ageDays} days`;
  return { text: `${days} old`, rotationDue: age.rotationDue };
}

/** "2026-12-08 09:14 UTC" */
export const when = (d: Date | null): string => (d ? `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '');

export function presentAppRow(c: ClientRecord, lastUsedAt: Date | null, now: number, maxAgeDays: number) {
  return {
    clientId: c.clientId,
    name: c.name,
    href: `/admin/apps/${encodeURIComponent(c.clientId)}`,
    type: c.type,
    enabled: c.enabled,
    scopeCount: c.scopes.length,
    secret: secretStatus(c, now, maxAgeDays),
    lastUsed: lastUsedAt ? when(lastUsedAt) : 'Never',
    lastUsedIso: lastUsedAt?.toISOString() ?? null,
  };
}

/** The read-only summary (every role) of an app's settings, as `clients:show` lists them. */
export function presentAppSummary(c: ClientRecord): [string, string][] {
  const list = (xs: string[], none: string) => (xs.length ? xs.join(', ') : none);
  const lifetimes = Object.entries(c.lifetimes)
    .map(([k, v]) => `${k} ${v} s`)
    .join(', ');
  const countries = [
    ...(c.allowedCountries.length ? [`only ${c.allowedCountries.join(', ')}`] : []),
    ...(c.deniedCountries.length ? [`never ${c.deniedCountries.join(', ')}`] : []),
  ];
  return [
    ['Type', `${c.type} (${c.authMethod === 'none' ? 'no client authentication' : c.authMethod})`],
    ['Grant types', list(c.grantTypes, '—')],
    ['Scopes', list(c.scopes, '—')],
    ['Redirect URIs', list(c.redirectUris, 'None')],
    ['CORS origins', list(c.corsOrigins, 'None')],
    ['Token format', c.tokenFormat],
    ['Lifetimes', lifetimes || 'Server defaults'],
    ['Requires DPoP', c.requireDpop ? 'Yes' : 'No'],
    ['Requires PAR', c.requirePar ? 'Yes' : 'No'],
    ['Rate limit', c.rateLimit ?? 'Default (GATEWAY_RATE_LIMIT)'],
    ['Allowed IPs', list(c.allowedIps, 'Any address')],
    ['Countries', countries.join('; ') || 'Any'],
    ['Active hours', c.activeHours ?? 'Any time'],
    ['Contact', c.contact ?? '—'],
    ['Homepage', c.homepage ?? '—'],
    ['Created', when(c.createdAt)],
    ['Secret last issued', c.authMethod === 'client_secret_basic' ? when(c.secretRotatedAt ?? c.createdAt) : '—'],
    ...(c.previousSecretExpiresAt
      ? ([['Previous secret valid until', when(c.previousSecretExpiresAt)]] as [string, string][])
      : []),
  ];
}

export function presentActivity(a: AppActivity) {
  const max = Math.max(1, ...a.days.map((d) => d.calls));
  return {
    lastUsed: a.lastUsedAt ? when(a.lastUsedAt) : 'Never',
    calls: a.calls,
    errors: a.errors,
    // Bar heights for the SVG chart (0–100), next to the numbers of the table.
    days: a.days.map((d, i) => ({
      ...d,
      x: i * 40 + 10,
      callsHeight: Math.round((d.calls / max) * 100),
      errorsHeight: Math.round((d.errors / max) * 100),
    })),
    statuses: a.statuses.map((s) => ({ status: s.status ?? '—', count: s.count })),
  };
}
