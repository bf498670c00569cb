import type { PageModel } from './view-renderer.js';

export const SIGN_IN_ERROR = 'The username or password is incorrect, or the account is temporarily locked.';
export const CODE_ERROR = 'That code is not valid. Codes can be used only once; wait for the next one and try again.';
export const PASSKEY_ERROR = 'That passkey was not accepted. Try again with a passkey registered to this account.';
export const PASSKEY_REQUIRED_ERROR =
  'This store requires a passkey: authentication codes are not accepted here. Use your passkey.';
export const PASSKEY_ENROL_ERROR =
  'The passkey could not be added (it may already be registered, or the request expired). Try again.';

/** The scripts of a page with a passkey form: the vendored browser helper first, then ours. */
export const PASSKEY_SCRIPTS = ['/assets/simplewebauthn-browser.js', '/assets/passkeys.js'];

/** A passkey assertion form (views/passkey-assert.ejs): the WebAuthn options travel as JSON in an attribute. */
export interface PasskeyFormModel {
  action: string;
  options: string;
  lead: string;
  button: string;
  /** Said when JavaScript is off: the other way, if any. */
  fallback: string | null;
  hidden?: { name: string; value: string }[];
}

export function passkeyForm(f: Omit<PasskeyFormModel, 'options'> & { options: object }): PasskeyFormModel {
  return { ...f, options: JSON.stringify(f.options) };
}

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

export function presentTotp(
  b: Base & {
    username: string;
    /** Assertion options when the admin has passkeys and the policy takes them. */
    passkeyOptions?: object | null;
    codeAllowed?: boolean;
    offerPasskey?: boolean;
    mustEnrolPasskey?: boolean;
  },
): PageModel {
  const { passkeyOptions, ...rest } = b;
  const codeAllowed = b.codeAllowed ?? true;
  const passkey = passkeyOptions
    ? passkeyForm({
        action: action(b.uid, 'passkey'),
        options: passkeyOptions,
        lead: 'Confirm with your passkey: your fingerprint, face or device PIN.',
        button: 'Use a passkey',
        fallback: codeAllowed ? 'Enter your authentication code below instead.' : 'Turn JavaScript on to continue.',
      })
    : null;
  return {
    title: 'Two-factor authentication',
    ...rest,
    error: b.error ?? null,
    passkey,
    codeAllowed,
    offerPasskey: b.offerPasskey ?? false,
    mustEnrolPasskey: b.mustEnrolPasskey ?? false,
    ...(passkey ? { scripts: PASSKEY_SCRIPTS } : {}),
    action: action(b.uid, 'totp'),
    abortAction: action(b.uid, 'abort'),
  };
}

/** Creating a passkey (after a verified code at sign-in, or in the console). */
export function presentPasskeyEnrolment(p: {
  username: string;
  csrfToken: string;
  options: object;
  enrolAction: string;
  required: boolean;
  skipAction: string | null;
  skipLabel?: string;
  abortAction?: string | null;
  clientName?: string;
  error?: string | null;
}): PageModel {
  return {
    title: 'Add a passkey',
    ...p,
    options: JSON.stringify(p.options),
    skipLabel: p.skipLabel ?? 'Not now',
    abortAction: p.abortAction ?? null,
    clientName: p.clientName ?? '',
    error: p.error ?? null,
    scripts: PASSKEY_SCRIPTS,
  };
}

export const interactionAction = action;

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
