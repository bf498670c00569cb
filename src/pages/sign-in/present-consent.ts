import type { ClientInfo } from './client-info.js';
import type { MagentoLinkStatus, ScopeInfo } from './interaction-deps.js';
import type { PageModel } from '../kit/view-renderer.js';
import { PASSKEY_SCRIPTS, type PasskeyFormModel } from '../kit/present-sign-in.js';

export interface ConsentInput {
  uid: string;
  csrfToken: string;
  client: ClientInfo;
  redirectUri: string;
  adminUsername: string;
  requestedScopes: string[];
  /** Scopes this authorization would add to the app's grant (everything else was granted before). */
  newScopes: Set<string>;
  describeScope?: (name: string) => ScopeInfo | null;
  linkStatus: MagentoLinkStatus | null;
  codeRequired: boolean;
  /** ADMIN_SECOND_FACTOR allows a code for this decision. */
  codeAllowed?: boolean;
  /** The passkey form (views/passkey-assert.ejs), when the admin has passkeys and a fresh proof is needed. */
  passkey?: PasskeyFormModel | null;
  /** Policy `passkey`, a fresh proof needed, and the admin has no passkey: say how to get one. */
  noPasskeyYet?: boolean;
  /** How the login that covers this decision was confirmed. */
  loginMethod?: 'totp' | 'recovery' | 'passkey' | null;
  error?: string | null;
}

const OIDC_SCOPES: Record<string, { title: string; description: string }> = {
  openid: {
    title: 'Know who approved the connection',
    description:
      'The app receives your admin account identifier and username. It gets no password and no other account data.',
  },
  profile: { title: 'Your admin profile', description: 'Your admin username.' },
};

const LINK_TEXT: Record<MagentoLinkStatus['state'], { label: string; detail: string }> = {
  active: { label: 'Linked', detail: 'The app is linked to your Magento store; approved calls go through this link.' },
  pending: { label: 'Pending', detail: 'The link to Magento is being set up; calls start working once it is active.' },
  failed: {
    label: 'Failed',
    detail: 'Setting up the link to Magento failed; calls will not reach the store until it is fixed.',
  },
  revoked: { label: 'Revoked', detail: 'The link to Magento was revoked; calls will not reach the store.' },
  none: {
    label: 'Not linked',
    detail: 'The app is not linked to Magento yet; calls will not reach the store until it is.',
  },
};

/** View model of the consent page: everything an admin needs to decide, in plain words. */
export function presentConsent(i: ConsentInput): PageModel {
  const scopes = i.requestedScopes
    .filter((name) => name !== 'offline_access')
    .map((name) => {
      const oidc = OIDC_SCOPES[name];
      const info = oidc ? null : (i.describeScope?.(name) ?? null);
      return {
        name,
        title: oidc?.title ?? info?.title ?? name,
        description: oidc?.description ?? info?.description ?? 'No description is available for this permission.',
        access: oidc ? null : (info?.access ?? null),
        accessLabel:
          info?.access === 'read-write' ? 'Read and write' : info?.access === 'read-only' ? 'Read only' : null,
        resources: (info?.resources ?? []).map((r) => ({ title: r.title, path: r.path })),
        alreadyGranted: !i.newScopes.has(name),
      };
    });
  const redirect = new URL(i.redirectUri);
  const link = i.linkStatus
    ? {
        state: i.linkStatus.state,
        label: LINK_TEXT[i.linkStatus.state].label,
        detail: i.linkStatus.detail ?? LINK_TEXT[i.linkStatus.state].detail,
      }
    : null;
  return {
    title: `Allow ${i.client.name} to access your store?`,
    uid: i.uid,
    csrfToken: i.csrfToken,
    action: `/interaction/${encodeURIComponent(i.uid)}/consent`,
    client: i.client,
    redirectHost: redirect.host,
    redirectScheme: redirect.protocol.replace(/:$/, ''),
    adminUsername: i.adminUsername,
    newScopes: scopes.filter((s) => !s.alreadyGranted),
    grantedScopes: scopes.filter((s) => s.alreadyGranted),
    anyWrite: scopes.some((s) => s.access === 'read-write'),
    offlineAccess: i.requestedScopes.includes('offline_access'),
    offlineAlreadyGranted: i.requestedScopes.includes('offline_access') && !i.newScopes.has('offline_access'),
    link,
    codeRequired: i.codeRequired,
    codeAllowed: i.codeAllowed ?? true,
    passkey: i.passkey ?? null,
    noPasskeyYet: i.noPasskeyYet ?? false,
    proofWord: i.loginMethod === 'passkey' ? 'passkey' : 'authentication code',
    ...(i.passkey ? { scripts: PASSKEY_SCRIPTS } : {}),
    error: i.error ?? null,
  };
}
