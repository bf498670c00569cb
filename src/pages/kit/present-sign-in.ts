import type { PageModel } from './view-renderer.js';

export const SIGN_IN_ERROR = 'The username or password is incorrect, or the account is temporarily locked.';
export const CODE_ERROR = 'That code is not valid. Codes can be used only once; wait for the next one and try again.';

interface Base {
  uid: string;
  csrfToken: string;
  clientName: string;
  error?: string | null;
}

const action = (uid: string, step: string) => `/interaction/${encodeURIComponent(uid)}/${step}`;

export function presentLogin(b: Base & { username?: string }): PageModel {
  return {
    title: 'Sign in',
    ...b,
    error: b.error ?? null,
    username: b.username ?? '',
    action: action(b.uid, 'login'),
    abortAction: action(b.uid, 'abort'),
  };
}

export function presentTotp(b: Base & { username: string }): PageModel {
  return {
    title: 'Two-factor authentication',
    ...b,
    error: b.error ?? null,
    action: action(b.uid, 'totp'),
    abortAction: action(b.uid, 'abort'),
  };
}

export function presentEnrolment(
  b: Base & { username: string; secret: string; otpauthUri: string; qrDataUri: string },
): PageModel {
  return {
    title: 'Set up two-factor authentication',
    ...b,
    error: b.error ?? null,
    // Groups of four are easier to type into an authenticator app.
    secretGroups: b.secret.match(/.{1,4}/g) ?? [b.secret],
    action: action(b.uid, 'enrol'),
    abortAction: action(b.uid, 'abort'),
  };
}

export function presentRecoveryCodes(b: { codes: string[]; continueUrl: string }): PageModel {
  return { title: 'Save your recovery codes', codes: b.codes, continueUrl: b.continueUrl };
}
