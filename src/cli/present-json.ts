// What `--json` prints: one style for every command, snake_case like OAuth itself, dates as ISO strings.
import type { AdminSummary } from '../admins/admin-management.js';
import type { AuditEvent } from '../audit/audit-events.js';
import type { ClientRecord } from '../clients/client-record.js';
import type { KeyInfo } from '../oidc/key-store.js';

export const snakeCase = (key: string) =>
  key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();

/** Recursively: camelCase keys → snake_case, Date → ISO string; arrays and values kept. */
export function snakeJson(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(snakeJson);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [snakeCase(k), snakeJson(v)]),
    );
  }
  return value;
}

/** A client as registered; its JWKS is shown verbatim (JWK member names are a standard of their own). */
export function presentClient(c: ClientRecord): Record<string, unknown> {
  const { jwks, ...rest } = c;
  return { ...(snakeJson(rest) as Record<string, unknown>), jwks };
}

export const presentAdmin = (a: AdminSummary) => snakeJson(a) as Record<string, unknown>;

export const presentKey = (k: KeyInfo) => snakeJson(k) as Record<string, unknown>;

export const presentAuditEvent = (e: AuditEvent & { at: Date; id: string }) => snakeJson(e) as Record<string, unknown>;
