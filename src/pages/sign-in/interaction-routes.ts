import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { errors } from 'oidc-provider';
import { formBody } from '../../security/form-body.js';
import { csrfTokenMatches } from '../../security/csrf.js';
import { contentSecurityPolicy, cspSourceFor, securityHeaders } from '../../security/security-headers.js';
import { accountThrottle, formThrottle } from '../../rate-limits/form-throttle.js';
import { createInteractionStateStore } from '../kit/interaction-state.js';
import { createViewRenderer } from '../kit/view-renderer.js';
import { assetRoutes } from '../kit/asset-routes.js';
import { signInSteps } from './sign-in-steps.js';
import { consentStep } from './consent-step.js';
import { presentMessage } from '../kit/present-message.js';
import type { InteractionDeps } from './interaction-deps.js';
import type { StepContext } from './step-context.js';

/**
 * The pages oidc-provider sends the browser to: login → passkey or TOTP (or enrolment) → consent.
 * Route table here; each step's behaviour lives in its own file.
 */
export function interactionRoutes(deps: InteractionDeps): Router {
  const { provider, config, clock } = deps;
  const render = createViewRenderer({ viewsDir: deps.viewsDir, cache: config.production, brandName: config.brandName });
  const states = createInteractionStateStore({ db: deps.db, clock, box: deps.box, ttlSeconds: 30 * 60 });
  const { auth, limiter } = deps;
  const step: StepContext = { deps, render, states, auth };
  const signIn = signInSteps(step);
  const consent = consentStep(step);

  const router = new Router();
  router.use(securityHeaders({ production: config.production }));
  router.use(assetRoutes({ viewsDir: deps.viewsDir, extra: deps.assetExtras }).routes());

  const throttleDeps = {
    limiter,
    audit: deps.audit,
    route: (ctx: Context) => ctx.path.replace(/^\/interaction\/[^/]+/, '/interaction/:uid'),
    refuse: (ctx: Context, retryAfter: number) =>
      render(ctx, 'message', presentMessage('rate_limited', { retryAfter }), 429),
    failOpen: config.securityOps.rateLimits.failOpen.signIn,
  };
  const throttle = formThrottle({ ...throttleDeps, limit: config.loginRateLimit });
  // The typed username at the password step, the flow's admin's at the code steps: one budget.
  const perAccount = accountThrottle({
    ...throttleDeps,
    limit: config.securityOps.rateLimits.signInPerAccount,
    account: async (ctx) =>
      ctx.request.form?.username ||
      (ctx.state.flow?.adminId ? ((await auth.findById(ctx.state.flow.adminId))?.username ?? null) : null),
  });

  const load = async (ctx: Context, next: Next) => {
    let details;
    try {
      details = await provider.interactionDetails(ctx.req, ctx.res);
    } catch (err) {
      if (err instanceof errors.SessionNotFound) return render(ctx, 'message', presentMessage('expired'), 410);
      throw err;
    }
    if (details.uid !== ctx.params.uid) return render(ctx, 'message', presentMessage('mismatch'), 400);
    // The redirect URI was validated by the provider against the client's registration.
    const target = cspSourceFor(String(details.params.redirect_uri ?? ''));
    ctx.set('Content-Security-Policy', contentSecurityPolicy(target ? [target] : []));
    ctx.state.interaction = details;
    ctx.state.flow = await states.loadOrCreate(details.uid);
    await next();
  };

  const csrf = async (ctx: Context, next: Next) => {
    if (!csrfTokenMatches(ctx.state.flow.csrfToken, ctx.request.form?._csrf)) {
      await deps.audit.record({
        type: 'security.csrf_failed',
        outcome: 'denied',
        ip: ctx.ip,
        requestId: ctx.state.requestId,
      });
      return render(ctx, 'message', presentMessage('csrf'), 403);
    }
    await next();
  };

  const post = [throttle, formBody(), load, csrf, perAccount] as const;
  router.get('/interaction/:uid', load, async (ctx) => {
    const name = ctx.state.interaction.prompt.name;
    if (name === 'login') return signIn.show(ctx);
    if (name === 'consent') return consent.show(ctx);
    return render(ctx, 'message', presentMessage('unsupported'), 400);
  });
  router.post('/interaction/:uid/login', ...post, signIn.postPassword);
  router.post('/interaction/:uid/totp', ...post, signIn.postCode);
  router.post('/interaction/:uid/enrol', ...post, signIn.postEnrolment);
  router.post('/interaction/:uid/passkey', ...post, signIn.postPasskey);
  router.post('/interaction/:uid/passkey-enrol', ...post, signIn.postPasskeyEnrolment);
  router.post('/interaction/:uid/passkey-skip', ...post, signIn.postPasskeySkip);
  router.post('/interaction/:uid/abort', ...post, signIn.postAbort);
  router.post('/interaction/:uid/consent', ...post, consent.post);
  router.post('/interaction/:uid/consent/passkey', ...post, consent.postPasskey);
  return router;
}
