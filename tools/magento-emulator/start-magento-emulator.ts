// A fake Magento 2.4 on node:http for tests and local development: the integration activation
// POST, the OAuth 1.0a token exchange, signed REST calls with ACL, a few routes, and /graphql.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createEmulatorStore, randomToken, type EmulatedIntegration } from './emulator-store.js';
import { requestUrl, parsePairs } from './oauth-params.js';
import { identifyRestCaller, missingResources } from './rest-auth.js';
import { matchEmulatedRoute } from './rest-routes.js';
import { createSampleData } from './sample-data.js';
import { handleTokenAccess, handleTokenRequest, type EmulatorRequest } from './token-endpoints.js';
import type { SignatureLine } from './signature-lines.js';
import { storeFault, type StoreFaults } from './store-faults.js';

export const EMULATOR_TEST_ROUTES_FILE = fileURLToPath(new URL('./test-routes.json', import.meta.url));

export interface SignatureVerdict {
  method: string;
  path: string;
  /** Credentials (signature or bearer) accepted. */
  ok: boolean;
  reason: string;
  status: number;
  integrationId?: number;
}

export interface MagentoEmulatorOptions {
  port?: number;
  host?: string;
  /** Milliseconds since the epoch; drives consumer expiry and timestamp checks. */
  clock?: { now(): number };
  /** `oauth/consumer/enable_integration_as_bearer`, off by default as in Magento. */
  bearerEnabled?: boolean;
  latencyMs?: number;
  storeCodes?: string[];
  /** Which Magento code line's signature rules to verify by (SIGNING-PROFILES.md); default rfc5849. */
  signingProfile?: SignatureLine;
  /**
   * Failure knobs for `doctor` tests (see store-faults.ts): TLS with a given certificate, the store
   * under a subpath, a rewrite rule that loses /oauth/token/*, a skewed clock, a redirect loop…
   * Unset: the store behaves exactly as without them.
   */
  faults?: StoreFaults;
}

export interface ActivationPayload {
  oauth_consumer_key: string;
  oauth_consumer_secret: string;
  store_base_url: string;
  oauth_verifier: string;
}

const ROUTE_MISSING = { message: 'Request does not match any route.' };

function sendJson(res: ServerResponse, status: number, json: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(json));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startMagentoEmulator(options: MagentoEmulatorOptions = {}) {
  const clock = options.clock ?? { now: () => Date.now() };
  const store = createEmulatorStore();
  const data = createSampleData();
  const verdicts: SignatureVerdict[] = [];
  const storeCodes = new Set(options.storeCodes ?? ['default', 'all', 'fr']);
  let latencyMs = options.latencyMs ?? 0;
  let bearerEnabled = options.bearerEnabled ?? false;
  let signingProfile: SignatureLine = options.signingProfile ?? 'rfc5849';
  const faults = options.faults ?? {};
  const scheme = faults.tls ? 'https' : 'http';
  // The store's own clock (a skewed one moves its Date header and its timestamp check together).
  const storeNow = () => clock.now() + (faults.dateSkewMs ?? 0);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (storeFault(req, res, faults, { scheme, now: storeNow })) return;
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
    // Under a subpath, routes are matched below it; the signature covers the path as sent.
    const routedPath = faults.basePath ? rawPath.slice(faults.basePath.length - 1) : rawPath;
    const er: EmulatorRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      rawPath,
      query: q < 0 ? '' : rawUrl.slice(q + 1),
      headers: req.headers,
      body: await readBody(req),
      url: requestUrl(scheme, req.headers.host ?? 'localhost', rawPath),
      line: signingProfile,
    };
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
    const record = (v: Omit<SignatureVerdict, 'method' | 'path'>) =>
      verdicts.push({ method: er.method, path: rawUrl, ...v });

    const path = routedPath.replace(/^\/index\.php(?=\/)/, '');
    if (er.method === 'POST' && (path === '/oauth/token/request' || path === '/oauth/token/access')) {
      const result = path.endsWith('request')
        ? handleTokenRequest(er, store, storeNow())
        : handleTokenAccess(er, store, storeNow());
      record({
        ok: result.status === 200,
        reason: result.problem ?? 'token_issued',
        status: result.status,
        integrationId: result.integrationId,
      });
      res.writeHead(result.status, { 'content-type': 'text/html; charset=UTF-8' });
      res.end(result.body);
      return;
    }
    if (path === '/graphql' && (er.method === 'POST' || er.method === 'GET')) {
      const who = identifyRestCaller(er, store, storeNow(), { bearerEnabled });
      let op: Record<string, unknown> = {};
      try {
        op =
          er.method === 'POST' ? (JSON.parse(er.body || '{}') as Record<string, unknown>) : parsePairs(er.query, true);
      } catch {
        /* echo nothing */
      }
      const status = who.error ? who.error.status : 200;
      record({ ok: who.ok, reason: who.reason, status, integrationId: who.integration?.id });
      if (who.error)
        return sendJson(res, status, {
          errors: [{ message: who.error.message, extensions: { category: 'graphql-authorization' } }],
        });
      return sendJson(res, 200, {
        data: {
          echo: {
            query: op.query ?? null,
            variables: op.variables ?? null,
            operationName: op.operationName ?? null,
            integrationId: who.integration?.id ?? null,
          },
        },
      });
    }

    const m = /^\/rest(?:\/([A-Za-z][A-Za-z0-9_]*))?(\/V1\/.*)$/.exec(path.replace(/\/+$/, ''));
    const storeCode = m?.[1] && m[1] !== 'V1' ? m[1] : null;
    const found =
      m && (!storeCode || storeCodes.has(storeCode)) ? matchEmulatedRoute(er.method, m[2]!.split('/').slice(1)) : null;
    if (!found) {
      record({ ok: false, reason: 'no_route', status: 404 });
      return sendJson(res, 404, ROUTE_MISSING);
    }
    const who = identifyRestCaller(er, store, storeNow(), { bearerEnabled });
    if (who.error) {
      record({ ok: false, reason: who.reason, status: who.error.status });
      return sendJson(res, who.error.status, { message: who.error.message });
    }
    const missing = missingResources(found.route.resources, who.integration);
    if (missing.length) {
      record({
        ok: who.ok,
        reason: who.ok ? 'acl_denied' : who.reason,
        status: 401,
        integrationId: who.integration?.id,
      });
      return sendJson(res, 401, {
        message: "The consumer isn't authorized to access %resources.",
        parameters: { resources: found.route.resources.join(', ') },
      });
    }
    const contentType = String(req.headers['content-type'] ?? '');
    const result = await found.route.handle({
      params: found.params,
      query: parsePairs(er.query, true),
      body: er.body,
      contentType,
      storeCode,
      data,
      headers: req.headers,
    });
    if ('stream' in result) {
      record({ ok: who.ok, reason: who.reason, status: 200, integrationId: who.integration?.id });
      res.setHeader('x-emulator-store', storeCode ?? 'default');
      return result.stream(res);
    }
    record({ ok: who.ok, reason: who.reason, status: result.status, integrationId: who.integration?.id });
    res.setHeader('x-emulator-store', storeCode ?? 'default');
    sendJson(res, result.status, result.json);
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent)
        sendJson(res, 500, {
          message: `Internal Error. Details are available in Magento log file. Report ID: emu-${err.message}`,
        });
      else res.destroy(err);
    });
  };
  const server = faults.tls ? createTlsServer({ ...faults.tls }, listener) : createServer(listener);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const baseUrl = `${scheme}://${options.host ?? '127.0.0.1'}:${port}`;
  const storeBaseUrl = `${baseUrl}${faults.basePath ?? '/'}`;

  const mustGet = (id: number): EmulatedIntegration => {
    const found = store.integrations.get(id);
    if (!found) throw new Error(`No integration ${id}`);
    return found;
  };

  return {
    baseUrl,
    /** What Magento sends as store_base_url (trailing slash). */
    storeBaseUrl,
    verdicts,
    data,
    integrations: store.integrations,
    createIntegration(o: { name?: string; resources?: string[]; all?: boolean }) {
      const i = store.create(o);
      return { id: i.id, name: i.name, consumerKey: i.consumerKey, consumerSecret: i.consumerSecret };
    },
    getIntegration: (id: number) => mustGet(id),
    /**
     * Magento's Activate / Reauthorize: old token dropped, integration inactive, fresh verifier,
     * then the four fields POSTed form-encoded (5 s timeout, no redirects). The answer is ignored.
     */
    async activate(integrationId: number, endpointUrl: string): Promise<ActivationPayload> {
      const i = mustGet(integrationId);
      i.status = 'inactive';
      i.token = {
        type: 'verifier',
        token: randomToken(),
        secret: randomToken(),
        verifier: randomToken(),
        revoked: false,
      };
      i.activatedAt = storeNow();
      const payload: ActivationPayload = {
        oauth_consumer_key: i.consumerKey,
        oauth_consumer_secret: i.consumerSecret,
        store_base_url: storeBaseUrl,
        oauth_verifier: i.token.verifier,
      };
      try {
        const res = await fetch(endpointUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ ...payload }).toString(),
          redirect: 'manual',
          signal: AbortSignal.timeout(5000),
        });
        await res.arrayBuffer().catch(() => undefined);
      } catch {
        throw new Error(
          'The attempt to post data to consumer failed due to an unexpected error. Please try again later.',
        );
      }
      return payload;
    },
    /** Test shortcut: an active integration with an access token, skipping the handshake. */
    issueAccessToken(integrationId: number) {
      const i = mustGet(integrationId);
      i.token = {
        type: 'access',
        token: randomToken(),
        secret: randomToken(),
        verifier: randomToken(),
        revoked: false,
      };
      i.status = 'active';
      return {
        consumerKey: i.consumerKey,
        consumerSecret: i.consumerSecret,
        accessToken: i.token.token,
        accessTokenSecret: i.token.secret,
      };
    },
    revokeAccessToken(integrationId: number) {
      const i = mustGet(integrationId);
      if (i.token) i.token.revoked = true;
    },
    setLatency(ms: number) {
      latencyMs = ms;
    },
    setBearerEnabled(enabled: boolean) {
      bearerEnabled = enabled;
    },
    /** A store upgrade (or downgrade): from now on, signatures are verified by this line's rules. */
    setSigningProfile(line: SignatureLine) {
      signingProfile = line;
    },
    get signingProfile(): SignatureLine {
      return signingProfile;
    },
    close(): Promise<void> {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

export type MagentoEmulator = Awaited<ReturnType<typeof startMagentoEmulator>>;
