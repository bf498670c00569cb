import type { ClientRecord } from '../../../clients/client-record.js';
import type { LinkStatus, LinkView } from '../../../magento-link/link-store.js';
import { timeOf } from '../grants/format-when.js';

export type ShownStatus = LinkStatus | 'none';

/** The status in words, its colour class, and what the store owner does next (buttons, not CLI commands). */
export const LINK_STATUS: Record<ShownStatus, { label: string; tone: string; hint: string }> = {
  none: {
    label: 'Not linked',
    tone: 'status-skip',
    hint: 'No store is linked yet: open the app’s link page, get the two URLs and create an integration in Magento.',
  },
  pending: {
    label: 'Awaiting Magento',
    tone: 'status-warn',
    hint:
      'Waiting for Magento: click Activate on the integration (System › Extensions › Integrations), ' +
      'or the token exchange is running.',
  },
  awaiting_confirmation: {
    label: 'Awaiting confirmation',
    tone: 'status-warn',
    hint: 'Magento issued its token; an admin must still confirm it in the Identity Link popup.',
  },
  active: { label: 'Active', tone: 'status-pass', hint: 'In use for this app’s API calls.' },
  failed: {
    label: 'Failed',
    tone: 'status-fail',
    hint: 'Not usable: fix the cause below, then Reauthorize here and click Reauthorize in Magento within the hour.',
  },
  revoked: {
    label: 'Revoked',
    tone: 'status-skip',
    hint: 'Revoked: link the store again (Reauthorize here, then Activate in Magento) to use it.',
  },
};

export function presentLinkRow(client: ClientRecord, link: LinkView | null, signingProfile: string | null) {
  const status: ShownStatus = link?.status ?? 'none';
  return {
    clientId: client.clientId,
    clientName: client.name,
    enabled: client.enabled,
    status,
    ...LINK_STATUS[status],
    mode: link?.mode ?? null,
    storeBaseUrl: link?.storeBaseUrl ?? null,
    lastHandshake: timeOf(link?.activationReceivedAt),
    relinking: timeOf(link?.pendingActivationAt),
    confirmed: timeOf(link?.confirmedAt),
    confirmedBy: link?.confirmedBy ?? null,
    lastError: link?.lastError ?? null,
    signingProfile,
    updated: timeOf(link?.updatedAt),
    href: `/admin/links/${encodeURIComponent(client.clientId)}`,
    doctorHref: `/admin/doctor?client=${encodeURIComponent(client.clientId)}`,
  };
}
