import Router from '@koa/router';
import type { Context } from 'koa';
import type { Dispatcher } from 'undici';
import type { AuditLog } from '../audit/audit-log.js';
import type { RouteMatcher } from '../api-catalog/route-matcher.js';
import type { ScopeCatalog } from '../api-catalog/scope-catalog.js';
import { decide } from '../api-catalog/decide.js';
import { readBearerToken } from './bearer-token.js';
import { BodyTooLargeError, readBody } from './body-limit.js';
import { callerLeft, forwardToMagento, type ForwardResult } from './forward-to-magento.js';
import {
  dpopError,
  gatewayProblem,
  insufficientScope,
  invalidRequest,
  invalidToken,
  noSuchRoute,
  tooManyInFlight,
} from './gateway-responses.js';
import { readGraphqlGet, readGraphqlPost, type GraphqlHttpRead } from './graphql-http-request.js';
import { DEFAULT_GRAPHQL_LIMITS } from './graphql-operation.js';
import type { DpopProofVerifier } from './dpop-proof.js';
import { createClientSlots } from './client-slots.js';
import type { AccessCheck } from './client-access-check.js';
import { applyCors, corsPreflight, type GatewayCorsPolicy } from './gateway-cors.js';
import { graphqlScopeCheck } from './graphql-scope-check.js';
import { UnsignableRequestError } from '../oauth1/oauth1-signer.js';
import type { AccessTokenVerifier, UpstreamCredentialSource, VerifiedAccessToken } from './upstream-types.js';
import type { Metrics } from '../metrics/metrics.js';

export interface GatewayDeps {
  magentoBaseUrl: string | null;
  matcher: RouteMatcher;
  catalog: ScopeCatalog;
  verifier: AccessTokenVerifier;
  /** Checks the DPoP proof of calls with DPoP-bound tokens. */
  dpop: DpopProofVerifier;
  /** The client accepts only DPoP-bound tokens (its older Bearer tokens are refused here). */
  requiresDpop: (clientId: string) => Promise<boolean>;
  upstream: UpstreamCredentialSource;
  dispatcher: Dispatcher;
  audit: AuditLog;
  limits: {
    maxBodyBytes: number;
    timeoutMs: number;
    graphqlMaxDepth?: number;
    graphqlMaxTokens?: number;
    maxConnectionsPerClient?: number;
  };
  /** Per-client CORS origins; without it the gateway answers no browser origin. */
  cors?: GatewayCorsPolicy;
  metrics?: Pick<Metrics, 'gatewayCall' | 'upstreamSeconds'>;
  /** Blocks, the client's IP and country rules, its rate limit (src/gateway/client-access-check.ts). */
  access?: AccessCheck;
}

/** `GET /V1/products/:sku` → `products`; GraphQL → `graphql`: a bounded label set for the metrics. */
function routeGroup(route: string | undefined): string | null {
  if (!route) return null;
  const url = route.slice(route.indexOf(' ') + 1);
  if (url === '/graphql') return 'graphql';
  return url.split('/')[2]?.replace(/^:.*/, '') || null;
}

interface CallRecord {
  token?: VerifiedAccessToken;
  /** The Authorization scheme the caller used: challenges answer in the same one. */
  scheme?: 'bearer' | 'dpop';
  route?: string;
  resources?: string[];
  reason?: string;
  forwarded?: ForwardResult | null;
}

/**
 * The API gateway: `/rest/...` and `/graphql`, as the store would answer them, for callers
 * holding our OAuth 2.0 access tokens. Steps: bearer token → route → scope → store link →
 * forward (signed) → stream back; every call lands in the audit log.
 */
export function gatewayRoutes(deps: GatewayDeps): Router {
  const router = new Router();
  const graphqlLimits = {
    maxDepth: deps.limits.graphqlMaxDepth ?? DEFAULT_GRAPHQL_LIMITS.maxDepth,
    maxTokens: deps.limits.graphqlMaxTokens ?? DEFAULT_GRAPHQL_LIMITS.maxTokens,
  };
  const perClient = deps.limits.maxConnectionsPerClient ?? Number.MAX_SAFE_INTEGER;
  const slots = createClientSlots(perClient);

  async function authenticate(ctx: Context, call: CallRecord): Promise<VerifiedAccessToken | null> {
    const bearer = readBearerToken(ctx);
    if (!bearer.ok) {
      call.reason = `token_${bearer.reason}`;
      if (bearer.reason === 'in_query')
        invalidRequest(ctx, 'Access tokens are accepted in the Authorization header only');
      else invalidToken(ctx, bearer.reason === 'missing' ? 'Bearer token required' : 'Malformed Authorization header');
      return null;
    }
    call.scheme = bearer.scheme;
    const proof = ctx.get('dpop');
    if (bearer.scheme === 'dpop' && !proof) {
      call.reason = 'dpop_proof_missing';
      dpopError(ctx, 'invalid_dpop_proof', 'The DPoP scheme needs a DPoP proof in the DPoP header');
      return null;
    }
    let token: VerifiedAccessToken | null;
    try {
      token = await deps.verifier.verify(bearer.token);
    } catch {
      // The database or the key store is down: the token may well be good, so not invalid_token.
      call.reason = 'token_check_unavailable';
      gatewayProblem(ctx, 503, 'temporarily_unavailable', 'The access token cannot be checked right now; try again');
      ctx.set('Retry-After', '1');
      return null;
    }
    if (!token) {
      call.reason = 'token_invalid';
      const message = 'The access token is invalid, expired or revoked';
      if (bearer.scheme === 'dpop') dpopError(ctx, 'invalid_token', message);
      else invalidToken(ctx, message);
      return null;
    }
    call.token = token; // the audit names the client of a refused call too
    // RFC 9449 §7: a bound token is only good with a proof of its key; taking it as Bearer would drop the binding.
    if (token.jkt) {
      if (bearer.scheme !== 'dpop') {
        call.reason = 'dpop_bound_as_bearer';
        dpopError(
          ctx,
          'invalid_token',
          'This access token is DPoP-bound: send it as "Authorization: DPoP" with a DPoP proof',
        );
        return null;
      }
      const check = await deps.dpop.verify({
        proof,
        method: ctx.method,
        path: ctx.path,
        accessToken: bearer.token,
        jkt: token.jkt,
      });
      if (!check.ok) {
        call.reason = 'dpop_proof_invalid';
        dpopError(ctx, 'invalid_dpop_proof', check.message);
        return null;
      }
    } else if (bearer.scheme === 'dpop') {
      call.reason = 'dpop_token_unbound';
      dpopError(ctx, 'invalid_token', 'This access token is not DPoP-bound: send it as "Authorization: Bearer"');
      return null;
    } else if (await deps.requiresDpop(token.clientId)) {
      call.reason = 'dpop_required';
      dpopError(ctx, 'invalid_token', 'This client must use DPoP-bound access tokens: get a token with a DPoP proof');
      return null;
    }
    const refused = deps.access ? await deps.access(ctx, token.clientId) : null;
    if (refused) {
      call.reason = refused;
      return null;
    }
    return token;
  }

  async function forward(ctx: Context, call: CallRecord, body?: Buffer): Promise<void> {
    if (!deps.magentoBaseUrl)
      return gatewayProblem(ctx, 503, 'store_not_configured', 'No Magento store is configured (MAGENTO_BASE_URL)');
    const creds = await deps.upstream.credentialsFor(call.token!.clientId);
    if (!creds) {
      call.reason = 'link_not_active';
      return gatewayProblem(
        ctx,
        503,
        'store_not_linked',
        'The Magento store has not linked this app yet: an admin must activate its integration',
      );
    }
    const release = slots.tryAcquire(call.token!.clientId);
    if (!release) {
      call.reason = 'too_many_in_flight';
      return tooManyInFlight(ctx, perClient);
    }
    const sent = performance.now();
    try {
      call.forwarded = await forwardToMagento(
        ctx,
        creds,
        { magentoBaseUrl: deps.magentoBaseUrl, dispatcher: deps.dispatcher, ...deps.limits },
        body,
      );
    } finally {
      // The slot is the upstream connection: held until Magento's answer is streamed or dropped.
      if (call.forwarded) void call.forwarded.bytesOut.then(release);
      else release();
    }
    if (call.forwarded) deps.metrics?.upstreamSeconds(routeGroup(call.route), (performance.now() - sent) / 1000);
    if (!call.forwarded && callerLeft(ctx)) call.reason = 'client_closed';
    if (call.forwarded?.status === 401 && creds.mode === 'oauth1') deps.upstream.refused?.(call.token!.clientId);
  }

  function tooLarge(ctx: Context): boolean {
    const length = Number(ctx.get('content-length') || 0);
    if (length <= deps.limits.maxBodyBytes) return false;
    gatewayProblem(
      ctx,
      413,
      'request_too_large',
      `Request body exceeds the limit of ${deps.limits.maxBodyBytes} bytes`,
    );
    return true;
  }

  const withAudit = (handler: (ctx: Context, call: CallRecord) => Promise<void>) => async (ctx: Context) => {
    const started = performance.now();
    const call: CallRecord = {};
    // A call that fails in our own code is audited too (as a 500), then left to the error handler.
    let crashed = false;
    try {
      await handler(ctx, call);
    } catch (err) {
      if (err instanceof UnsignableRequestError) {
        // Forwarding would only get Magento's own error (a 500 on some lines): say why instead.
        call.reason = 'unsignable_request';
        gatewayProblem(ctx, 400, 'invalid_request', err.message);
      } else if (err instanceof BodyTooLargeError) {
        gatewayProblem(ctx, 413, 'request_too_large', err.message);
      } else if (callerLeft(ctx)) {
        // A body cut off by the caller leaving (form / GraphQL bodies are read whole): no one to answer.
        call.reason = 'client_closed';
      } else {
        crashed = true;
        call.reason = 'internal_error';
        throw err;
      }
    } finally {
      if (!crashed && deps.cors) await applyCors(ctx, deps.cors, call.token?.clientId);
      void audited(ctx, call, started, crashed ? 500 : ctx.status);
    }
  };

  async function audited(ctx: Context, call: CallRecord, started: number, status: number): Promise<void> {
    deps.metrics?.gatewayCall(status, routeGroup(call.route));
    const bytesOut = call.forwarded ? await call.forwarded.bytesOut : 0;
    await deps.audit.record({
      type: call.forwarded ? 'gateway.call' : 'gateway.denied',
      outcome: status < 400 ? 'success' : call.forwarded || status >= 500 ? 'failure' : 'denied',
      actor: call.token?.clientId ?? null,
      clientId: call.token?.clientId ?? null,
      grantId: call.token?.grantId ?? null,
      ip: ctx.ip,
      country: ctx.state.country as string | null | undefined,
      userAgent: ctx.get('user-agent') || null,
      route: call.route ?? null,
      status,
      durationMs: performance.now() - started,
      requestId: ctx.state.requestId,
      details: {
        method: ctx.method,
        path: ctx.path,
        route: call.route ?? null,
        resources: call.resources ?? [],
        status,
        reason: call.reason ?? null,
        durationMs: Math.round(performance.now() - started),
        bytesIn: call.forwarded?.bytesIn ?? 0,
        bytesOut,
      },
    });
  }

  const REST = /^\/(index\.php\/)?rest\//;
  if (deps.cors) {
    router.options(REST, corsPreflight(deps.cors, 'GET, POST, PUT, DELETE'));
    router.options('/graphql', corsPreflight(deps.cors, 'POST'));
  }

  router.all(
    REST,
    withAudit(async (ctx, call) => {
      if (!(await authenticate(ctx, call))) return;
      const match = deps.matcher.match(ctx.method, ctx.path);
      if (!match) {
        call.reason = 'no_route';
        return noSuchRoute(ctx);
      }
      call.route = `${match.route.method} ${match.route.url}`;
      call.resources = match.route.resources;
      const decision = decide(call.token!.scopes, ctx.method, match.route, deps.catalog);
      if (!decision.allowed) {
        call.reason = decision.reason;
        const message =
          decision.reason === 'self_denied'
            ? `${call.route} acts on a customer's own data and cannot be called with an app token`
            : decision.neededScopes.length
              ? `${call.route} needs scope ${decision.neededScopes.join(' ')}`
              : `${call.route} is not reachable with any scope of this bridge`;
        return insufficientScope(ctx, decision.neededScopes, call.route, message, call.scheme);
      }
      if (tooLarge(ctx)) return;
      const isForm = ctx.is('application/x-www-form-urlencoded') === 'application/x-www-form-urlencoded';
      // Form bodies are part of the OAuth 1.0a signature, so they are read before signing.
      const body = isForm ? await readBody(ctx.req, deps.limits.maxBodyBytes) : undefined;
      if (body && new URLSearchParams(body.toString('utf8')).has('access_token')) {
        call.reason = 'token_in_body';
        return invalidRequest(ctx, 'Access tokens are accepted in the Authorization header only');
      }
      await forward(ctx, call, body);
    }),
  );

  router.all(
    '/graphql',
    withAudit(async (ctx, call) => {
      if (ctx.method !== 'POST' && ctx.method !== 'GET') {
        ctx.set('Allow', 'GET, POST');
        return gatewayProblem(ctx, 405, 'invalid_request', 'GraphQL is forwarded over POST (and GET for queries) only');
      }
      const method = ctx.method;
      call.route = `${method} /graphql`;
      if (!(await authenticate(ctx, call))) return;
      let read: GraphqlHttpRead;
      let body: Buffer | undefined;
      if (method === 'GET') {
        // Nothing of a GET body would be checked, so none is forwarded: refuse one outright.
        if (Number(ctx.get('content-length') || 0) > 0 || ctx.get('transfer-encoding')) {
          call.reason = 'invalid_request';
          return gatewayProblem(ctx, 400, 'invalid_request', 'GraphQL GET requests carry no body');
        }
        read = readGraphqlGet(ctx.querystring);
      } else {
        if (tooLarge(ctx)) return;
        // The buffered bytes are what is checked and exactly what is forwarded.
        body = await readBody(ctx.req, deps.limits.maxBodyBytes);
        read = readGraphqlPost(
          { contentType: ctx.get('content-type'), contentEncoding: ctx.get('content-encoding') },
          body,
        );
      }
      if (!read.ok) {
        call.reason = read.error;
        return gatewayProblem(ctx, read.status, read.error, read.message);
      }
      const check = graphqlScopeCheck(read.request, method, call.token!.scopes, deps.catalog, graphqlLimits);
      if (!check.ok) {
        call.reason = check.reason;
        if (check.reason === 'invalid_request') return gatewayProblem(ctx, 400, 'invalid_request', check.message);
        if (check.reason === 'get_mutation') {
          ctx.set('Allow', 'POST');
          return gatewayProblem(ctx, 405, 'invalid_request', check.message);
        }
        return insufficientScope(ctx, check.neededScopes, call.route, check.message, call.scheme);
      }
      call.resources = [`graphql:${check.operation}`];
      await forward(ctx, call, body);
    }),
  );

  return router;
}
