// Per client: its Magento link's state, the 300 s consumer window, the integration token, the
// integration's ACL against the client's scopes (both ways), and bearer mode against the store.
import { aclTitlePath } from '../api-catalog/acl-resources.js';
import { CONSUMER_WINDOW_MS, type LinkView, type UpstreamCredentials } from '../magento-link/link-store.js';
import { probeableResources, probeResources, type ProbeOutcome } from './acl-probes.js';
import { fail, pass, skip, warn, type CheckResult } from './check-result.js';
import { networkError, type DoctorRun } from './doctor-run.js';
import { storeUnreachable } from './store-magento-checks.js';
import { signedGet, verdictOf } from './signed-call.js';

const INTEGRATIONS = 'Magento Admin › System › Extensions › Integrations';
const TOKEN_PATH = 'rest/V1/store/storeConfigs';

const linkOf = (run: DoctorRun, clientId: string) =>
  run.memo(`link:${clientId}`, () => run.services.links.get(clientId));
const credsOf = (run: DoctorRun, clientId: string) =>
  run.memo(`creds:${clientId}`, () => run.services.links.activeCredentials(clientId));

/** Resources the client's API scopes use (what its integration must grant). */
async function neededResources(run: DoctorRun, clientId: string): Promise<string[]> {
  const client = await run.services.clients.get(clientId);
  const out = new Set<string>();
  for (const name of client?.scopes ?? [])
    for (const r of run.services.catalog.scopes.get(name)?.resources ?? []) out.add(r);
  return [...out];
}

const aclProbe = (run: DoctorRun, clientId: string, creds: UpstreamCredentials, which: 'needed' | 'extra') =>
  run.memo(`acl:${which}:${clientId}`, async () => {
    const needed = await neededResources(run, clientId);
    const resources =
      which === 'needed' ? needed : probeableResources(run.services.routeTable).filter((r) => !needed.includes(r));
    return probeResources(run, clientId, creds, resources);
  });

/** "Catalog › Inventory › Products (Magento_Catalog::products)": where the box is in Magento's tree. */
function resourceLabel(run: DoctorRun, id: string): string {
  const path = aclTitlePath(id, run.services.catalog.aclResources);
  return path.length ? `${path.join(' › ')} (${id})` : id;
}

const reauthorizeFix = (clientId: string) =>
  `In ${INTEGRATIONS}, click Reauthorize on this app's integration and confirm in the popup within 5 minutes; ` +
  `or get fresh URLs with \`npm run cli -- magento:link-urls --client ${clientId}\` and Activate a new integration.`;

export async function checkLinkState(run: DoctorRun, clientId: string): Promise<CheckResult> {
  const id = 'link.state';
  const details = { client_id: clientId };
  const link = await linkOf(run, clientId);
  if (!link)
    return fail(id, {
      message: `client ${clientId} has no Magento link`,
      fix:
        `Run \`npm run cli -- magento:link-urls --client ${clientId}\`, then in ${INTEGRATIONS} ` +
        `› Add New Integration enter those two URLs, tick the resources, Save and click Activate.`,
      details,
    });
  const d = { ...details, status: link.status, mode: link.mode, store_base_url: link.storeBaseUrl };
  switch (link.status) {
    case 'active':
      return pass(id, { message: `link of ${clientId} is active (${link.mode})`, details: d });
    case 'awaiting_confirmation':
      return warn(id, {
        message: `Magento issued the token for ${clientId}, but no admin confirmed the link yet`,
        fix:
          `In ${INTEGRATIONS}, click Reauthorize and confirm in the popup ` +
          `(sign in with your bridge admin account and a TOTP code).`,
        details: d,
      });
    case 'pending':
      return warn(id, {
        message: `an activation of ${clientId} was received; the token exchange has not finished`,
        fix: '',
        details: d,
      });
    case 'failed':
      return fail(id, {
        message: `the last activation of ${clientId} failed: ${link.lastError ?? 'no error recorded'}`,
        fix: reauthorizeFix(clientId),
        details: d,
      });
    default:
      return fail(id, { message: `the link of ${clientId} was revoked`, fix: reauthorizeFix(clientId), details: d });
  }
}

export async function checkConsumerWindow(run: DoctorRun, clientId: string): Promise<CheckResult> {
  const id = 'link.consumer_window';
  const link: LinkView | null = await linkOf(run, clientId);
  if (!link) return skip(id, 'no Magento link (link.state)', { client_id: clientId });
  const now = run.services.clock.now();
  const details = { client_id: clientId, window_s: CONSUMER_WINDOW_MS / 1000 };
  const expiredFix =
    `${reauthorizeFix(clientId)} Magento gives the app 300 s from Activate to ` +
    `exchange its token: keep this server reachable from the store while you click.`;
  if (link.pendingActivationAt) {
    const ageS = Math.round((now - link.pendingActivationAt.getTime()) / 1000);
    if (ageS * 1000 > CONSUMER_WINDOW_MS)
      return fail(id, {
        message:
          `the activation of ${clientId} arrived ${ageS} s ago and its token ` +
          `exchange never finished: Magento's consumer expired after 300 s`,
        fix: expiredFix,
        details: { ...details, age_s: ageS },
      });
    return pass(id, {
      message: `a token exchange is running (${ageS} s of Magento's 300 s used)`,
      details: { ...details, age_s: ageS },
    });
  }
  if (/consumer key has expired/i.test(link.lastError ?? ''))
    return fail(id, {
      message:
        `Magento refused the token exchange of ${clientId}: ` + `the consumer expired before it (300 s after Activate)`,
      fix: expiredFix,
      details,
    });
  return pass(id, { message: 'no token exchange is waiting on the 300 s window', details });
}

export async function checkLinkToken(run: DoctorRun, clientId: string): Promise<CheckResult> {
  const id = 'link.token';
  const details = { client_id: clientId, path: TOKEN_PATH };
  const creds = await credsOf(run, clientId);
  if (!creds) return skip(id, 'the link is not active (link.state)', details);
  const why = storeUnreachable(run);
  if (why) return skip(id, why, details);
  let answer;
  try {
    answer = await signedGet(run, clientId, creds, TOKEN_PATH);
  } catch (err) {
    return fail(id, { message: `the store did not answer the signed GET: ${networkError(err)}`, fix: '', details });
  }
  const { verdict, message } = verdictOf(answer);
  const d = { ...details, status: answer.status };
  if (verdict === 'allowed' && answer.status < 500)
    return pass(id, {
      message: `Magento accepted the integration token (signed GET /${TOKEN_PATH}: HTTP ${answer.status})`,
      details: d,
    });
  if (verdict === 'not_authorized')
    return pass(id, {
      message:
        `Magento accepted the signature and token (HTTP 401 only because the ` +
        `integration lacks Magento_Backend::store, which /${TOKEN_PATH} needs)`,
      details: d,
    });
  const text = message ?? `HTTP ${answer.status}`;
  const fix = /revoked|does not exist|not associated/i.test(text)
    ? `The integration's token was revoked, or replaced by a Reauthorize ` +
      `the bridge never received. ${reauthorizeFix(clientId)}`
    : /signature/i.test(text)
      ? 'Magento computes the signature differently: set ' +
        'MAGENTO_SIGNING_PROFILE=auto (or the line your Magento runs), ' +
        'and if Magento sits behind a TLS proxy, make it see https (X-Forwarded-Proto / web/secure/offloader_header).'
      : /timestamp|nonce/i.test(text)
        ? 'Synchronise the clocks of the store and this server (NTP); see config.clock_magento.'
        : "Look at Magento's var/log/exception.log for this request.";
  return fail(id, { message: `Magento refused the signed GET /${TOKEN_PATH}: ${text}`, fix, details: d });
}

function aclSkip(run: DoctorRun, id: string, clientId: string): CheckResult | null {
  if (run.statusOf('link.token', clientId) !== 'pass')
    return skip(id, 'the integration token is not accepted (link.token)', { client_id: clientId });
  return null;
}

const listOf = (m: Map<string, ProbeOutcome>, o: ProbeOutcome) => [...m].filter(([, v]) => v === o).map(([k]) => k);

export async function checkAclMissing(run: DoctorRun, clientId: string): Promise<CheckResult> {
  const id = 'link.acl_missing';
  const skipped = aclSkip(run, id, clientId);
  if (skipped) return skipped;
  const probed = (await aclProbe(run, clientId, (await credsOf(run, clientId))!, 'needed')).outcomes;
  const missing = listOf(probed, 'missing');
  const unknown = listOf(probed, 'unknown');
  const details = { client_id: clientId, granted: listOf(probed, 'granted'), missing, not_checked: unknown };
  if (missing.length)
    return fail(id, {
      message: `the integration lacks ${missing.length} resource(s) the app's scopes need: ${missing.join(', ')}`,
      fix:
        `In ${INTEGRATIONS} › (this app's integration) › Edit › API › Resource Access: Custom, tick ` +
        `${missing.map((r) => resourceLabel(run, r)).join('; ')}. Save, then click Reauthorize if Magento asks.`,
      details,
    });
  const note = unknown.length ? ` (${unknown.length} not checkable: the store has no route for them)` : '';
  return pass(id, {
    message: `the integration grants every resource the app's scopes need that could be checked${note}`,
    details,
  });
}

export async function checkAclExtra(run: DoctorRun, clientId: string): Promise<CheckResult> {
  const id = 'link.acl_extra';
  const skipped = aclSkip(run, id, clientId);
  if (skipped) return skipped;
  const probed = (await aclProbe(run, clientId, (await credsOf(run, clientId))!, 'extra')).outcomes;
  const extra = listOf(probed, 'granted');
  const checked = probed.size - listOf(probed, 'unknown').length;
  const details = { client_id: clientId, unused_granted: extra, checked };
  if (extra.length)
    return warn(id, {
      message: `the integration grants ${extra.length} resource(s) no scope of this app uses: ${extra.join(', ')}`,
      fix:
        `Least privilege: in ${INTEGRATIONS} › (this app's integration) ` +
        `› Edit › API, choose Resource Access: Custom and untick ` +
        `${extra.map((r) => resourceLabel(run, r)).join('; ')} (or give the app ` +
        `the scopes that need them). Save, then Reauthorize if Magento asks.`,
      details,
    });
  return pass(id, {
    message: `the integration grants nothing beyond the app's scopes (${checked} resources checked)`,
    details,
  });
}

export async function checkBearer(run: DoctorRun, clientId: string): Promise<CheckResult> {
  const id = 'link.bearer';
  if (run.statusOf('link.token', clientId) !== 'pass')
    return skip(id, 'the integration token is not accepted (link.token)', { client_id: clientId });
  const creds = (await credsOf(run, clientId))!;
  // A route the integration may call (found by the ACL probe): a refusal then is the bearer setting.
  const path = (await aclProbe(run, clientId, creds, 'needed')).allowedPath ?? TOKEN_PATH;
  let signed, bearer;
  try {
    signed = verdictOf(await signedGet(run, clientId, creds, path)).verdict;
    bearer = verdictOf(await signedGet(run, clientId, creds, path, 'bearer')).verdict;
  } catch (err) {
    return fail(id, {
      message: `the store did not answer: ${networkError(err)}`,
      fix: '',
      details: { client_id: clientId },
    });
  }
  const details = { client_id: clientId, mode: creds.mode, path, bearer_accepted: bearer === 'allowed' };
  const bearerOff = signed === 'allowed' && bearer !== 'allowed';
  if (creds.mode === 'oauth1')
    return pass(id, {
      message:
        `the bridge signs with OAuth 1.0a; the store ` +
        `${bearer === 'allowed' ? 'also accepts' : bearerOff ? 'refuses' : 'may refuse'} ` +
        `integration tokens as bearer tokens (not needed)`,
      details,
    });
  if (bearer === 'allowed')
    return pass(id, { message: 'bearer mode: the store accepts the integration token as a bearer token', details });
  return fail(id, {
    message: bearerOff
      ? 'bearer mode, but the store refuses the integration token as a bearer token (Magento ' +
        '2.4.4+ does unless its OAuth setting allows it); signed, the same call works'
      : 'bearer mode, and the bearer call was refused (the store may refuse ' +
        'bearer tokens, or the integration lacks Magento_Backend::store)',
    fix:
      `In Magento Admin › Stores › Configuration › Services › OAuth › Consumer ` +
      `Settings, set "Allow OAuth Access Tokens to be used as standalone ` +
      `Bearer tokens" to Yes and Save; or let the bridge sign instead: \`npm ` +
      `run cli -- magento:set-mode --client ${clientId} --mode oauth1\`.`,
    details,
  });
}
