// Passkey forms (issue 18): a form with data-passkey="assert" or "register" carries the WebAuthn
// options (JSON) in data-passkey-options. The button runs the browser's ceremony through
// @simplewebauthn/browser (served as /assets/simplewebauthn-browser.js), writes the response into
// the hidden passkey_response field and submits the form: no fetch, no inline script.
(function () {
  'use strict';
  var lib = window.SimpleWebAuthnBrowser;

  function explain(status, text) {
    status.textContent = text;
  }

  function failureText(err, mode) {
    var name = err && err.name;
    if (name === 'NotAllowedError' || name === 'AbortError')
      return mode === 'register'
        ? 'No passkey was created (the request was cancelled or timed out). Try again.'
        : 'No passkey was used (the request was cancelled or timed out, or this device has none for this ' +
            'account). Try again, or use another way below.';
    if (name === 'InvalidStateError') return 'This device already holds a passkey for your account.';
    if (name === 'SecurityError') return 'This browser refused passkeys for this address.';
    return 'The passkey request failed in this browser. Try again, or use another way below.';
  }

  function setUp(form) {
    var mode = form.getAttribute('data-passkey');
    var button = form.querySelector('[data-passkey-start]');
    var status = form.querySelector('[data-passkey-status]');
    var field = form.querySelector('input[name="passkey_response"]');
    if (!button || !status || !field) return;
    // The page's own words for a browser without JavaScript; this script running means it has it.
    var nojs = form.querySelector('[data-passkey-nojs]');
    if (nojs) nojs.hidden = true;
    if (!lib || !lib.browserSupportsWebAuthn()) {
      explain(
        status,
        'This browser has no passkey support (or no authenticator is available). ' +
          (mode === 'register'
            ? 'Use another browser or device to add one.'
            : 'Use another way to confirm below, if offered.'),
      );
      return;
    }
    var options;
    try {
      options = JSON.parse(form.getAttribute('data-passkey-options'));
    } catch (e) {
      explain(status, 'This page is incomplete: reload it.');
      return;
    }
    button.hidden = false;
    button.addEventListener('click', function () {
      button.disabled = true;
      explain(
        status,
        mode === 'register' ? 'Follow your device’s prompt to create the passkey…' : 'Follow your device’s prompt…',
      );
      var ceremony =
        mode === 'register'
          ? lib.startRegistration({ optionsJSON: options })
          : lib.startAuthentication({ optionsJSON: options });
      ceremony.then(
        function (response) {
          field.value = JSON.stringify(response);
          explain(status, 'Checking…');
          form.submit();
        },
        function (err) {
          button.disabled = false;
          explain(status, failureText(err, mode));
        },
      );
    });
  }

  var forms = document.querySelectorAll('form[data-passkey]');
  for (var i = 0; i < forms.length; i++) setUp(forms[i]);
})();
