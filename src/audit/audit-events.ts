/** Every audit event type the product writes (the CLI lists them for an unknown --type); add new ones here. */
export const AUDIT_EVENT_TYPES = [
  'admin.login',
  'admin.login_failed',
  'admin.locked',
  'admin.unlocked',
  'admin.totp_enrolled',
  'admin.totp_failed',
  'admin.recovery_code_used',
  'admin.created',
  'admin.updated',
  'admin.deleted',
  'admin.session_revoked',
  'consent.approved',
  'consent.denied',
  'client.created',
  'client.updated',
  'client.disabled',
  'client.enabled',
  'client.deleted',
  'client.secret_rotated',
  'grant.revoked',
  'token.issued',
  'token.refresh_reuse',
  'token.revoked',
  'oauth.error',
  'magento.activation_armed',
  'magento.activation_received',
  'magento.activation_refused',
  'magento.link_active',
  'magento.link_failed',
  'magento.link_confirmed',
  'magento.link_revoked',
  'magento.identity_link_refused',
  'magento.link_mode_changed',
  'magento.link_imported',
  'magento.signing_profile_detected',
  'gateway.call',
  'gateway.denied',
  'security.csrf_failed',
  'security.rate_limited',
  'security.blocked',
  'security.block_cleared',
  'security.ip_refused',
  'security.country_refused',
  'security.limiter_unavailable',
  'audit.exported',
  'alert.raised',
  'alert.delivered',
  'alert.delivery_failed',
  'audit.pruned',
  'console.refused',
  'console.step_up_failed',
  'console.sessions_ended',
  'alert.acknowledged',
  'doctor.run',
  'admin.passkey_enrolled',
  'admin.passkey_renamed',
  'admin.passkey_removed',
  'admin.passkey_used',
  'admin.passkey_failed',
  'admin.passkey_counter_regression',
  'admin.second_factor_refused',
] as const;

export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

export type AuditOutcome = 'success' | 'failure' | 'denied' | 'info';

export interface AuditEvent {
  type: AuditEventType;
  outcome: AuditOutcome;
  actor?: string | null;
  clientId?: string | null;
  grantId?: string | null;
  ip?: string | null;
  requestId?: string | null;
  /** ISO 3166-1 alpha-2 of `ip` (offline database), when known. */
  country?: string | null;
  userAgent?: string | null;
  /** Method and route pattern (`GET /rest/V1/orders`), never a path with ids or tokens. */
  route?: string | null;
  /** The HTTP status answered, where the event is a request. */
  status?: number | null;
  durationMs?: number | null;
  /** Free-form context; credential-looking keys are redacted before the write. */
  details?: Record<string, unknown>;
}
