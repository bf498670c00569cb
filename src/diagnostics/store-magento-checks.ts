// Is it Magento answering, and like Magento: version, the OAuth token endpoint (not a rewrite
// rule's 404), the REST API, and its clock (OAuth 1.0a timestamps).
import { randomBytes } from 'node:crypto';
import { signRequest } from '../oauth1/oauth1-signer.js';
import { fail, pass, skip, warn, type CheckResult } from './check-result.js';
import { describeSkew, MAX_CLOCK_SKEW_MS } from './config-checks.js';
import { networkError, type DoctorRun } from './doctor-run.js';
import { magentoMessage } from './store-http.js';

/** Why an HTTP check of the store cannot run; null when it can. */
export function storeUnreachable(run: DoctorRun): string | null {
  if (!run.store) return 'MAGENTO_BASE_URL is not set';
  if (run.statusOf('store.tcp') !== 'pass') return 'the store does not accept connections (store.tcp)';
  if (run.statusOf('store.tls') === 'fail') return 'the certificate is refused (store.tls)';
  if (run.statusOf('store.redirects') === 'fail')
    return 'the base URL redirects in a loop or to http (store.redirects)';
  return null;
}

export async function checkVersion(run: DoctorRun): Promise<CheckResult> {
  const why = storeUnreachable(run);
  if (why) return skip('store.version', why);
  const url = `${run.store!.baseUrl}magento_version`;
  let text: string;
  try {
    const res = await run.send(url);
    if (res.status !== 200)
      return warn('store.version', {
        message: `${url} answered HTTP ${res.status}: the version is hidden (or this is not Magento)`,
        fix:
          'Nothing to do if you hide it on purpose; otherwise check ' +
          'that MAGENTO_BASE_URL is the store and not another site.',
      });
    text = res.text.trim();
  } catch (err) {
    return fail('store.version', { message: `${url} does not answer: ${networkError(err)}`, fix: '' });
  }
  const m = /^Magento\/(\d+)\.(\d+)(?:\.(\d+))?\S*\s*\(([^)]+)\)/.exec(text);
  if (!m)
    return warn('store.version', {
      message: `${url} does not answer like Magento (${JSON.stringify(text.slice(0, 60))})`,
      fix: 'Check that MAGENTO_BASE_URL is the Magento store itself (not a landing page or another application).',
    });
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), m[3] === undefined ? null : Number(m[3])];
  const version = `${major}.${minor}${patch === null ? '' : `.${patch}`}`;
  const details = { version, edition: m[4] };
  const old = major < 2 || (major === 2 && (minor < 4 || (minor === 4 && patch !== null && patch < 4)));
  if (old)
    return warn('store.version', {
      message: `Magento ${version} (${m[4]}): older than 2.4.4`,
      fix:
        'Upgrade Magento to 2.4.4 or later (security fixes; the bridge signs ' +
        'with HMAC-SHA256, which 2.4.4+ requires and older versions accept).',
      details,
    });
  return pass('store.version', {
    message: `Magento ${version} (${m[4]})${patch === null ? ' (Magento shows no patch level here)' : ''}`,
    details,
  });
}

/**
 * A request-token POST with a made-up consumer key: real Magento refuses it with its own
 * `oauth_problem=…` (401); a rewrite that loses the route shows up as the web server's 404 page.
 */
export async function checkTokenEndpoint(run: DoctorRun): Promise<CheckResult> {
  const why = storeUnreachable(run);
  if (why) return skip('store.token_endpoint', why);
  const store = run.store!;
  const url = `${store.baseUrl}oauth/token/request`;
  const { authorization } = signRequest({
    method: 'POST',
    url,
    consumerKey: 'doctorprobe'.padEnd(32, '0'),
    consumerSecret: randomBytes(16).toString('hex'),
    timestamp: Math.floor(run.services.clock.now() / 1000),
  });
  let res;
  try {
    res = await run.send(url, { method: 'POST', headers: { authorization } });
  } catch (err) {
    return fail('store.token_endpoint', {
      message: `${url} does not answer: ${networkError(err)}`,
      fix: 'Check the web server in front of Magento.',
    });
  }
  const problem = /^oauth_problem=/.test(res.text.trim()) ? magentoMessage(res.text) : null;
  if (problem && res.status < 500)
    return pass('store.token_endpoint', {
      message: `${url} answers like Magento (HTTP ${res.status}: ${problem})`,
      details: { status: res.status },
    });
  const subpath = store.url.pathname !== '/';
  if (res.status === 404)
    return fail('store.token_endpoint', {
      message:
        `${url} answers HTTP 404 from the web server, not Magento: a rewrite rule loses ` +
        `/oauth/token/request${subpath ? ` under the store's subpath ${store.url.pathname}` : ''}`,
      fix: subpath
        ? `In the .htaccess of the Magento directory served at ` +
          `${store.url.pathname}, set \`RewriteBase ${store.url.pathname}\` (nginx: ` +
          `send ${store.url.pathname}oauth/ to ${store.url.pathname}index.php ` +
          `like the other routes), then retry Activate in Magento.`
        : 'Make the web server send every path Magento does not serve as a file to ' +
          'index.php (Apache: mod_rewrite on and the shipped .htaccess allowed ' +
          'with AllowOverride All; nginx: the `try_files $uri $uri/ ' +
          '/index.php$is_args$args` of nginx.conf.sample), then retry Activate in Magento.',
      details: { status: 404 },
    });
  if (res.status >= 300 && res.status < 400)
    return fail('store.token_endpoint', {
      message:
        `${url} answers a redirect (HTTP ${res.status} to ` +
        `${res.headers.location ?? '?'}): Magento's token POST would be lost`,
      fix: 'Exclude /oauth/ from the redirect rule, or set MAGENTO_BASE_URL to the address it redirects to.',
      details: { status: res.status },
    });
  return fail('store.token_endpoint', {
    message: `${url} answers HTTP ${res.status}${problem ? ` (${problem})` : ''}, not like Magento's token endpoint`,
    fix: "Look at Magento's var/log/exception.log and the web server's error log for this request.",
    details: { status: res.status },
  });
}

/** An unsigned call: Magento's REST answers in JSON (a 401 for a guest), a web server's 404 does not. */
export async function checkRest(run: DoctorRun): Promise<CheckResult> {
  const why = storeUnreachable(run);
  if (why) return skip('store.rest', why);
  const url = `${run.store!.baseUrl}rest/V1/store/storeConfigs`;
  try {
    const res = await run.send(url, { headers: { accept: 'application/json' } });
    const message = magentoMessage(res.text);
    if (message !== null || (res.status === 200 && res.text.trim().startsWith('[')))
      return pass('store.rest', {
        message: `${url} answers like Magento's REST API (HTTP ${res.status}${message ? `: ${message}` : ''})`,
      });
    return fail('store.rest', {
      message: `${url} answers HTTP ${res.status} without Magento's JSON: the REST API is not reached`,
      fix:
        'Make the web server send /rest/ to index.php (the same rewrite rules as ' +
        'for the storefront), and check that no firewall or WAF blocks /rest/.',
      details: { status: res.status },
    });
  } catch (err) {
    return fail('store.rest', { message: `${url} does not answer: ${networkError(err)}`, fix: '' });
  }
}

export async function checkMagentoClock(run: DoctorRun): Promise<CheckResult> {
  const why = storeUnreachable(run);
  if (why) return skip('config.clock_magento', why);
  if (!run.storeDates.length) await run.send(run.store!.baseUrl).catch(() => undefined);
  const last = run.storeDates.at(-1);
  if (!last) return skip('config.clock_magento', 'the store sent no Date header');
  // A Date header has whole seconds (truncated): the store's time lies within the second after it.
  const skewMs = Math.round(last.date + 500 - last.at);
  const seen =
    `the store's clock (its Date header) is ` +
    `${Math.abs(skewMs) < 1000 ? 'within a second of' : describeSkew(skewMs)} this server's`;
  if (Math.abs(skewMs) > MAX_CLOCK_SKEW_MS)
    return fail('config.clock_magento', {
      message: `${seen}: OAuth 1.0a timestamps will be refused`,
      fix:
        'Turn on time synchronisation (NTP) on the store server and on this one (e.g. ' +
        '`timedatectl set-ntp true`); then compare with config.clock_db to see which one was off.',
      details: { skew_ms: skewMs },
    });
  return pass('config.clock_magento', { message: seen, details: { skew_ms: skewMs } });
}
