import type { PageModel } from '../kit/view-renderer.js';
import { COMMON_MESSAGES, messagePage, type MessageText } from '../kit/present-message.js';
import type { LinkView } from '../../magento-link/link-store.js';

/** The identity-link request as it travels through the forms (Magento's two query parameters). */
export interface IdentityRequest {
  endpointToken: string;
  consumerKey: string;
  successCallBack: string;
}

interface Base {
  request: IdentityRequest;
  csrfToken: string;
  clientName: string;
  clientId: string;
  storeBaseUrl: string | null;
  error?: string | null;
}

export const IDENTITY_PATH = '/magento/identity';

const action = (r: IdentityRequest, step: string) => `${IDENTITY_PATH}/${encodeURIComponent(r.endpointToken)}/${step}`;

/** The page URL with Magento's parameters, for Post/Redirect/Get. */
export function identityPageUrl(r: IdentityRequest): string {
  const q = new URLSearchParams({ oauth_consumer_key: r.consumerKey, success_call_back: r.successCallBack });
  return `${IDENTITY_PATH}/${encodeURIComponent(r.endpointToken)}?${q}`;
}

const hidden = (b: Base) => ({
  oauth_consumer_key: b.request.consumerKey,
  success_call_back: b.request.successCallBack,
  _csrf: b.csrfToken,
});

export function presentIdentityLogin(b: Base & { username?: string }): PageModel {
  return {
    title: 'Connect Magento to an app',
    clientName: b.clientName,
    clientId: b.clientId,
    storeBaseUrl: b.storeBaseUrl,
    error: b.error ?? null,
    username: b.username ?? '',
    hidden: hidden(b),
    action: action(b.request, 'login'),
    cancelAction: action(b.request, 'cancel'),
  };
}

export function presentIdentityConfirm(b: Base & { username: string; link: LinkView }): PageModel {
  return {
    title: 'Confirm the Magento integration',
    clientName: b.clientName,
    clientId: b.clientId,
    storeBaseUrl: b.storeBaseUrl,
    username: b.username,
    error: b.error ?? null,
    alreadyConfirmed: b.link.confirmedAt !== null,
    confirmedBy: b.link.confirmedBy,
    hidden: hidden(b),
    action: action(b.request, 'confirm'),
    cancelAction: action(b.request, 'cancel'),
  };
}

/** After the confirmation: back to Magento (its callback closes the popup) or a plain page. */
export function presentIdentityDone(b: { clientName: string; link: LinkView; redirectUrl: string | null }): PageModel {
  const { status, lastError } = b.link;
  return {
    title: status === 'failed' ? 'Confirmed, but the token exchange failed' : 'Magento integration confirmed',
    clientName: b.clientName,
    status,
    active: status === 'active',
    exchangePending: status === 'pending',
    failed: status === 'failed',
    lastError: status === 'failed' ? lastError : null,
    redirectUrl: b.redirectUrl,
  };
}

export type IdentityMessageKind =
  'unknown_link' | 'consumer_mismatch' | 'expired' | 'csrf' | 'rate_limited' | 'no_totp' | 'cancelled';

const MESSAGES: Record<IdentityMessageKind, MessageText> = {
  ...COMMON_MESSAGES,
  unknown_link: {
    title: 'Unknown identity link',
    text: 'This Identity Link URL does not belong to any app on this server.',
    hint: 'Copy the URLs again with `magento:link-urls --client <id>` and paste them into the integration in Magento.',
  },
  consumer_mismatch: {
    title: 'This integration does not match this app',
    text:
      'The consumer key Magento sent is not the one this app received when the integration was ' +
      'activated (or the activation was refused).',
    hint:
      'Check that the Endpoint URL and Identity Link URL of the integration belong to the same app, ' +
      'then click Activate (or Reauthorize) in Magento again. `magento:status` shows why an activation failed.',
  },
  expired: {
    title: 'This page has expired',
    text: 'The sign-in on this page took too long or was already completed.',
    hint: 'Close this window and click Activate (or Reauthorize) in Magento again.',
  },
  no_totp: {
    title: 'Two-factor authentication is required',
    text: 'Confirming a Magento integration needs an admin account with two-factor authentication set up.',
    hint: 'Set it up by signing in once through an app’s sign-in page, or ask another administrator.',
  },
  cancelled: {
    title: 'Not confirmed',
    text: 'The integration was not confirmed; the app will not use it.',
    hint: 'You can close this window.',
  },
};

export function presentIdentityMessage(kind: IdentityMessageKind, extra: { retryAfter?: number } = {}): PageModel {
  return messagePage(MESSAGES, kind, extra);
}
