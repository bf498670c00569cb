import type { MessageText } from '../kit/present-message.js';

const BACK = 'Go back to the application and try again. If this keeps happening, contact the application’s developer.';
const DEVELOPER = 'Contact the application’s developer and show them the error code below.';

/**
 * Words for a person for oidc-provider's error codes; the code itself and oidc-provider's
 * description are shown under them for the application's developer.
 */
const TEXTS: Record<string, MessageText> = {
  invalid_client: {
    title: 'This application is not known here',
    text: 'The application that sent you here is not registered with this store, or it has been disabled.',
    hint: DEVELOPER,
  },
  invalid_redirect_uri: {
    title: 'This application sent you to the wrong address',
    text:
      'The address the application wants to send you back to is not one registered for it, so you ' +
      'were not sent there.',
    hint: DEVELOPER,
  },
  invalid_request: {
    title: 'The application’s request is incomplete or incorrect',
    text:
      'The sign-in request from the application is missing something or contains a value this server ' +
      'does not accept.',
    hint: BACK,
  },
  unauthorized_client: {
    title: 'This application may not ask for access this way',
    text: 'The application is registered here, but not for this kind of request.',
    hint: DEVELOPER,
  },
  unsupported_response_type: {
    title: 'The application’s request is not supported',
    text: 'The application asked for a kind of answer this server does not give.',
    hint: DEVELOPER,
  },
  invalid_scope: {
    title: 'The application asked for access it cannot have',
    text: 'The application asked for permissions that do not exist or that it is not registered for.',
    hint: DEVELOPER,
  },
  access_denied: {
    title: 'Access was not granted',
    text: 'The request for access was denied, so the application did not get access to the store.',
    hint: BACK,
  },
  login_required: {
    title: 'You need to sign in',
    text: 'The application asked to continue without a sign-in, but no store administrator is signed in.',
    hint: BACK,
  },
  consent_required: {
    title: 'Your approval is needed',
    text: 'The application asked to continue without showing the approval page, but it has not been approved yet.',
    hint: BACK,
  },
  interaction_required: {
    title: 'Your approval is needed',
    text: 'The application asked to continue without showing any page, but a sign-in or approval is needed.',
    hint: BACK,
  },
  invalid_target: {
    title: 'The application asked for an unknown service',
    text: 'The application asked for access to a service this server does not protect.',
    hint: DEVELOPER,
  },
  temporarily_unavailable: {
    title: 'The service is busy',
    text: 'This server cannot handle the request right now.',
    hint: 'Wait a moment, then go back to the application and try again.',
  },
  server_error: {
    title: 'Something went wrong on our side',
    text: 'The server could not complete the request. Nothing was changed.',
    hint: BACK,
  },
};

const FALLBACK: MessageText = {
  title: 'The request could not be completed',
  text: 'The application’s request could not be handled, so nothing was changed and you were not sent on.',
  hint: BACK,
};

export function providerErrorText(error: string): MessageText {
  return Object.hasOwn(TEXTS, error) ? TEXTS[error]! : FALLBACK;
}
