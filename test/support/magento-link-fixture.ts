// Shared setup of the Magento-link tests: the emulator and our server on one fake clock, an admin
// with TOTP, a client, a browser-like agent for the identity-link popup, and the CLI.
import type { SignatureLine } from '../../tools/magento-emulator/signature-lines.js';
import supertest from 'supertest';
import { startMagentoEmulator, type MagentoEmulator } from '../../tools/magento-emulator/start-magento-emulator.js';
import type { HandshakeOptions } from '../../src/magento-link/integration-handshake.js';
import { startTestServer, type TestServer } from './test-server.js';
import { decodeEntities } from './page-browser.js';
import { runCliInProcess, serverCliContext } from './in-process-cli.js';

export const ADMIN = { username: 'store-owner', password: 'Correct horse battery staple 9' };

export interface LinkFixture {
  s: TestServer;
  emu: MagentoEmulator;
  clientId: string;
  totpSecret: string;
  urls: { endpoint_url: string; identity_link_url: string };
  /** A fresh TOTP code: moves the clock to the next 30 s step first (codes are single-use). */
  nextCode(): string;
  cli(
    argv: string[],
    opts?: { stdin?: string; env?: Record<string, string> },
  ): Promise<{ code: number; out: string; err: string }>;
  close(): Promise<void>;
}

export async function startLinkFixture(
  opts: {
    handshake?: (s: () => TestServer) => Omit<HandshakeOptions, 'activatedAt'>;
    magentoBaseUrl?: string;
    emulator?: { bearerEnabled?: boolean; signingProfile?: SignatureLine };
    /** Extra server environment; the activation limit defaults high (these tests POST from 127.0.0.1 a lot). */
    env?: Record<string, string>;
  } = {},
): Promise<LinkFixture> {
  let server: TestServer | undefined;
  const current = () => server!;
  // The emulator reads the server's fake clock: consumer expiry and timestamps move together.
  const emu = await startMagentoEmulator({
    clock: { now: () => (server ? server.clock.now() : Date.now()) },
    ...opts.emulator,
  });
  server = await startTestServer({
    env: { MAGENTO_BASE_URL: opts.magentoBaseUrl ?? emu.storeBaseUrl, ACTIVATION_RATE_LIMIT_MAX: '1000', ...opts.env },
    handshake: { baseDelayMs: 1, sleep: async () => {}, ...opts.handshake?.(current) },
  });
  const s = server;
  const { enrolment } = await s.runtime.admins.management.create({ ...ADMIN, withTotp: true });
  const totp = s.runtime.admins.core.totp;
  const { client } = await s.runtime.clients.create({
    name: 'Warehouse Sync',
    type: 'confidential',
    redirectUris: ['https://app.example/callback'],
    scopes: ['catalog:read'],
  });

  const cli: LinkFixture['cli'] = (argv, o = {}) => runCliInProcess(argv, () => serverCliContext(s), o);

  // As the README says: the admin gets the URLs (which opens the Endpoint URL to an Activate).
  const urls = await linkUrlsFromCli(cli, client.clientId);

  return {
    s,
    emu,
    clientId: client.clientId,
    totpSecret: enrolment!.secret,
    urls,
    nextCode() {
      s.clock.advance(30_000);
      return totp.generate(enrolment!.secret);
    },
    cli,
    async close() {
      await s.runtime.activation.idle();
      await s.close();
      await emu.close();
    },
  };
}

/** `magento:link-urls --client <id> --json`: the two URLs, and the Endpoint URL armed for an Activate. */
export async function linkUrlsFromCli(
  cli: LinkFixture['cli'],
  clientId: string,
): Promise<{ endpoint_url: string; identity_link_url: string }> {
  const r = await cli(['magento:link-urls', '--client', clientId, '--json']);
  if (r.code !== 0) throw new Error(`magento:link-urls failed: ${r.err}`);
  const { endpoint_url, identity_link_url } = JSON.parse(r.out) as { endpoint_url: string; identity_link_url: string };
  return { endpoint_url, identity_link_url };
}

/** The hidden fields of the first form on the page. */
export function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    if (!(m[1]! in fields)) fields[m[1]!] = decodeEntities(m[2]!);
  return fields;
}

/** The popup Magento opens: identity_link_url + `?oauth_consumer_key=…&success_call_back=…`. */
export function popupUrl(identityLinkUrl: string, consumerKey: string, successCallBack: string): string {
  return `${identityLinkUrl}?${new URLSearchParams({ oauth_consumer_key: consumerKey, success_call_back: successCallBack })}`;
}

/** Sign in and confirm in the popup like an admin's browser (cookies kept by the agent). */
export async function confirmInPopup(
  f: LinkFixture,
  consumerKey: string,
  successCallBack = `${f.emu.baseUrl}/admin/admin/integration/loginSuccessCallback/`,
  urls = f.urls,
) {
  const agent = supertest.agent(f.s.baseUrl);
  const popup = new URL(popupUrl(urls.identity_link_url, consumerKey, successCallBack));
  const page = await agent.get(popup.pathname + popup.search);
  if (page.status !== 200) throw new Error(`identity page answered ${page.status}: ${page.text}`);
  const path = new URL(urls.identity_link_url).pathname;
  const login = await agent
    .post(`${path}/login`)
    .type('form')
    .send({ ...hiddenFields(page.text), username: ADMIN.username, password: ADMIN.password });
  if (login.status !== 303) throw new Error(`login answered ${login.status}`);
  const confirmPage = await agent.get(login.headers.location!);
  const done = await agent
    .post(`${path}/confirm`)
    .type('form')
    .send({ ...hiddenFields(confirmPage.text), code: f.nextCode() });
  return { agent, page, confirmPage, done };
}
