import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The WebAuthn browser helper, served by the bridge from its own node_modules (no CDN): the UMD
 * bundle of @simplewebauthn/browser (global `SimpleWebAuthnBrowser`), as /assets/simplewebauthn-browser.js.
 */
export function passkeyBrowserAssets(): Record<string, string> {
  const main = createRequire(import.meta.url).resolve('@simplewebauthn/browser'); // …/script/index.js
  return { 'simplewebauthn-browser.js': join(dirname(main), '..', 'dist', 'bundle', 'index.umd.min.js') };
}
