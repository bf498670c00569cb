import type { PageModel } from './view-renderer.js';

export type MessageKind = 'expired' | 'mismatch' | 'csrf' | 'rate_limited' | 'unsupported' | 'disabled' | 'auditor';

export interface MessageText {
  title: string;
  text: string;
  hint: string;
}

/** Messages every page family shows the same way. */
export const COMMON_MESSAGES = {
  csrf: {
    title: 'The form could not be verified',
    text: 'The submission was missing its security token or came from another page, so nothing was changed.',
    hint: 'Reload the page and submit the form again.',
  },
  rate_limited: {
    title: 'Too many attempts',
    text: 'Too many sign-in attempts came from your network in a short time.',
    hint: 'Wait a few minutes, then try again.',
  },
} satisfies Record<string, MessageText>;

const MESSAGES: Record<MessageKind, MessageText> = {
  ...COMMON_MESSAGES,
  expired: {
    title: 'This sign-in request has expired',
    text:
      'Authorization requests are valid for a limited time, and this one is no longer active (or it ' +
      'was already completed).',
    hint: 'Go back to the application and start the connection again.',
  },
  mismatch: {
    title: 'This page belongs to another sign-in',
    text: 'The link does not match the authorization request in progress in this browser.',
    hint: 'Go back to the application and start the connection again.',
  },
  unsupported: {
    title: 'This step is not supported',
    text: 'The application asked for an interaction this server does not offer.',
    hint: 'Contact the application’s developer.',
  },
  disabled: {
    title: 'Your account cannot approve applications',
    text: 'This admin account is disabled or has no two-factor authentication set up.',
    hint: 'Ask another store administrator to check your account.',
  },
  auditor: {
    title: 'Your account cannot approve applications',
    text: 'This admin account is an auditor: it can read and export, but approving an application is for owners.',
    hint: 'Ask an owner to approve the application, or to make your account an owner.',
  },
};

/** A message page's model; a rate-limit message says when to retry. */
export function messagePage<K extends string>(
  table: Record<K, MessageText>,
  kind: K,
  extra: { retryAfter?: number } = {},
): PageModel {
  const m = table[kind];
  const hint =
    kind === 'rate_limited' && extra.retryAfter
      ? `Try again in about ${Math.max(1, Math.ceil(extra.retryAfter / 60))} minute(s).`
      : m.hint;
  return { title: m.title, text: m.text, hint, kind };
}

export function presentMessage(kind: MessageKind, extra: { retryAfter?: number } = {}): PageModel {
  return messagePage(MESSAGES, kind, extra);
}
