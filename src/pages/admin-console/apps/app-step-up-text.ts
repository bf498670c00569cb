import type { ClientRecord } from '../../../clients/client-record.js';
import type { LinkView } from '../../../magento-link/link-store.js';
import type { StepUpText } from '../console-step-up.js';

const back = (c: ClientRecord) => `/admin/apps/${encodeURIComponent(c.clientId)}`;

function duration(seconds: number): string {
  if (seconds === 0) return 'at once';
  if (seconds % 3600 === 0) return `for ${seconds / 3600} hour${seconds === 3600 ? '' : 's'}`;
  if (seconds % 60 === 0) return `for ${seconds / 60} minute${seconds === 60 ? '' : 's'}`;
  return `for ${seconds} seconds`;
}

/** What the confirmation pages say before the action runs. */
export function rotateText(c: ClientRecord, overlapS: number): StepUpText {
  return {
    title: `Issue a new secret for “${c.name}”?`,
    text:
      `A new client secret is shown once on the next page. The current secret ` +
      (overlapS === 0 ? 'stops working at once' : `keeps working ${duration(overlapS)} (the overlap window)`) +
      ', so the app can switch over without downtime; after that, only the new one works.',
    confirmLabel: 'Issue a new secret',
    back: back(c),
  };
}

export function disableText(c: ClientRecord): StepUpText {
  return {
    title: `Disable “${c.name}”?`,
    text:
      'Every request of the app is refused (invalid_client) and its tokens stop working within a second on ' +
      'every instance. Its grants, secret and store link are kept: enabling it again restores its access.',
    confirmLabel: 'Disable the app',
    back: back(c),
  };
}

export function deleteText(c: ClientRecord, grants: number, link: LinkView | null): StepUpText {
  const grantText =
    grants === 0
      ? 'It has no active grants; every token issued to it is deleted, so it loses access at once.'
      : `Its ${grants} active grant${grants === 1 ? '' : 's'} and every token issued to it are deleted: ` +
        'it loses access at once.';
  // clients:delete leaves the link row: say so, and what the store owner still has to do in Magento.
  const linkText =
    link && link.status !== 'revoked'
      ? ` Its Magento store link (${link.status.replace(/_/g, ' ')}) is no longer used by anything; also remove ` +
        'the integration in Magento (System › Extensions › Integrations).'
      : '';
  return {
    title: `Delete “${c.name}”?`,
    text:
      `The app ${c.clientId} is removed for good. ${grantText}${linkText} ` +
      'This cannot be undone; to pause it instead, disable it.',
    confirmLabel: 'Delete the app',
    back: back(c),
  };
}
