import type { AuditEventType } from './audit-events.js';

/** Every AuditEventType at run time (the CLI lists them for an unknown --type). */
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
  'magento.activation_received',
  'magento.activation_refused',
  'magento.link_active',
  'magento.link_failed',
  'magento.link_confirmed',
  'magento.link_revoked',
  'magento.identity_link_refused',
  'magento.link_mode_changed',
  'magento.link_imported',
  'gateway.call',
  'gateway.denied',
  'security.csrf_failed',
  'security.rate_limited',
] as const satisfies readonly AuditEventType[];

// Fails to compile when a type is added to AuditEventType but not here.
type Missing = Exclude<AuditEventType, (typeof AUDIT_EVENT_TYPES)[number]>;
const complete: [Missing] extends [never] ? true : Missing = true;
void complete;
