// Can this server reach the store at all: MAGENTO_BASE_URL, DNS, TCP, TLS, redirects.
import { lookup } from 'node:dns/promises';
import { isIP, connect as tcpConnect } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, rootCertificates, type PeerCertificate } from 'node:tls';
import { fail, pass, skip, warn, type CheckResult } from './check-result.js';
import { networkError, withTimeout, type DoctorRun } from './doctor-run.js';

const DAY_MS = 86_400_000;
/** A certificate closer than this to its end gets a warning (renewal usually runs at 30 days). */
export const CERT_WARN_DAYS = 14;
const MAX_REDIRECTS = 5;

export async function checkBaseUrl(run: DoctorRun): Promise<CheckResult> {
  const { store } = run;
  const { production } = run.services.config;
  if (!store)
    return fail('store.base_url', {
      message: 'MAGENTO_BASE_URL is not set: the bridge does not know where the store is',
      fix: "Set MAGENTO_BASE_URL to the store's base URL as Magento shows it (Stores › Configuration › General › Web › Base URLs), e.g. https://shop.example/, then restart.",
    });
  if (!store.https && production)
    return warn('store.base_url', {
      message:
        `MAGENTO_BASE_URL is ${store.baseUrl}: plain http, so signed ` +
        `calls and customer data cross the network unencrypted`,
      fix: 'Serve the store over https and set MAGENTO_BASE_URL to its https:// address.',
    });
  return pass('store.base_url', { message: `MAGENTO_BASE_URL is ${store.baseUrl}` });
}

export async function checkDns(run: DoctorRun): Promise<CheckResult> {
  const { store } = run;
  if (!store) return skip('store.dns', 'MAGENTO_BASE_URL is not set');
  if (isIP(store.hostname)) return pass('store.dns', { message: `${store.hostname} is an IP address (no DNS needed)` });
  try {
    const found = await withTimeout(lookup(store.hostname, { all: true }), run.http.timeoutMs, 'DNS');
    return pass('store.dns', {
      message: `${store.hostname} resolves to ${found.map((a) => a.address).join(', ')}`,
      details: { addresses: found.map((a) => a.address) },
    });
  } catch (err) {
    return fail('store.dns', {
      message: `${store.hostname} does not resolve: ${networkError(err)}`,
      fix:
        "Check the host name in MAGENTO_BASE_URL, and that this server's DNS resolver knows it " +
        '(an internal name needs an internal resolver or an /etc/hosts entry).',
    });
  }
}

export async function checkTcp(run: DoctorRun): Promise<CheckResult> {
  const { store } = run;
  if (!store) return skip('store.tcp', 'MAGENTO_BASE_URL is not set');
  if (run.statusOf('store.dns') === 'fail') return skip('store.tcp', 'the host name does not resolve (store.dns)');
  const where = `${store.hostname}:${store.port}`;
  try {
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        const socket = tcpConnect({ host: store.hostname, port: store.port });
        socket.once('connect', () => {
          socket.destroy();
          resolve();
        });
        socket.once('error', reject);
        socket.setTimeout(run.http.timeoutMs, () => socket.destroy(new Error('connect timeout')));
      }),
      run.http.timeoutMs,
      'TCP connect',
    );
    return pass('store.tcp', { message: `${where} accepts connections` });
  } catch (err) {
    return fail('store.tcp', {
      message: `cannot connect to ${where}: ${networkError(err)}`,
      fix:
        `Open port ${store.port} from this server to the store (firewall, ` +
        `security group, hosting panel), and check that the web server runs.`,
    });
  }
}

/** Node's verification codes, in a store owner's words. */
const TLS_PROBLEMS: Record<string, string> = {
  CERT_HAS_EXPIRED: 'the certificate has expired',
  CERT_NOT_YET_VALID: 'the certificate is not valid yet',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the certificate is self-signed (no certificate authority vouches for it)',
  SELF_SIGNED_CERT_IN_CHAIN: 'the certificate chain ends in a self-signed certificate this server does not trust',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the chain is incomplete: the intermediate certificate is not sent',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the chain is incomplete or its authority is not trusted here',
};

export async function checkTls(run: DoctorRun): Promise<CheckResult> {
  const { store } = run;
  if (!store) return skip('store.tls', 'MAGENTO_BASE_URL is not set');
  if (!store.https) return skip('store.tls', 'MAGENTO_BASE_URL is http (no TLS to check)');
  if (run.statusOf('store.tcp') !== 'pass')
    return skip('store.tls', 'the store does not accept connections (store.tcp)');
  let seen: { authorized: boolean; error: string | null; cert: PeerCertificate; protocol: string | null };
  try {
    seen = await withTimeout(
      new Promise((resolve, reject) => {
        const socket = tlsConnect({
          host: store.hostname,
          port: store.port,
          servername: isIP(store.hostname) ? undefined : store.hostname,
          ca: [...rootCertificates, ...run.http.extraCa],
          // Look, don't trust: the verdict is read from the socket below.
          rejectUnauthorized: false,
        });
        socket.once('secureConnect', () => {
          const error = socket.authorizationError ? String(socket.authorizationError) : null;
          resolve({
            authorized: socket.authorized,
            error,
            cert: socket.getPeerCertificate(true),
            protocol: socket.getProtocol(),
          });
          socket.destroy();
        });
        socket.once('error', reject);
      }),
      run.http.timeoutMs,
      'TLS handshake',
    );
  } catch (err) {
    return fail('store.tls', {
      message: `the TLS handshake with ${store.hostname} failed: ${networkError(err)}`,
      fix: 'Check that the web server serves https on this port with a certificate (and not plain http).',
    });
  }
  const { cert } = seen;
  const validTo = new Date(cert.valid_to).getTime();
  const days = Math.floor((validTo - run.services.clock.now()) / DAY_MS);
  const details = {
    subject: cert.subject?.CN ?? null,
    issuer: cert.issuer?.CN ?? null,
    valid_to: new Date(validTo).toISOString(),
    days_left: days,
    protocol: seen.protocol,
  };
  const renew =
    `Renew or replace the store's certificate in your hosting panel or web ` +
    `server (for Let's Encrypt: \`certbot renew\`), with its full chain.`;
  // Node names a host mismatch as a verification error of its own; the identity check covers the rest.
  const mismatch = seen.error === 'ERR_TLS_CERT_ALTNAME_INVALID' || !!checkServerIdentity(store.hostname, cert);
  if (mismatch)
    return fail('store.tls', {
      message: `${store.hostname}'s certificate is for another name (${cert.subjectaltname ?? cert.subject?.CN})`,
      fix:
        `Install a certificate that covers ${store.hostname}, or ` +
        `set MAGENTO_BASE_URL to a name the certificate covers.`,
      details,
    });
  if (!seen.authorized) {
    const problem = TLS_PROBLEMS[seen.error ?? ''] ?? `it is not trusted (${seen.error})`;
    return fail('store.tls', {
      message: `${store.hostname}'s certificate is refused: ${problem}`,
      fix:
        seen.error === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'
          ? 'Configure the web server with the full chain (certificate + ' +
            'intermediate, e.g. fullchain.pem), not the certificate alone.'
          : seen.error === 'DEPTH_ZERO_SELF_SIGNED_CERT' || seen.error === 'SELF_SIGNED_CERT_IN_CHAIN'
            ? `${renew} A private certificate authority must be trusted here: DOCTOR_CA_FILE / NODE_EXTRA_CA_CERTS.`
            : renew,
      details: { ...details, verify_error: seen.error },
    });
  }
  if (days < CERT_WARN_DAYS)
    return warn('store.tls', {
      message: `${store.hostname}'s certificate is valid but expires in ${days} day(s) (${details.valid_to})`,
      fix: renew,
      details,
    });
  return pass('store.tls', {
    message: `${store.hostname}'s certificate is trusted, covers the host, ${days} days left`,
    details,
  });
}

export async function checkRedirects(run: DoctorRun): Promise<CheckResult> {
  const { store } = run;
  if (!store) return skip('store.redirects', 'MAGENTO_BASE_URL is not set');
  if (run.statusOf('store.tcp') !== 'pass') return skip('store.redirects', 'the store does not accept connections');
  if (run.statusOf('store.tls') === 'fail') return skip('store.redirects', 'the certificate is refused (store.tls)');
  const seen = [store.baseUrl];
  let url = store.baseUrl;
  try {
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const res = await run.send(url);
      const location = res.headers.location;
      if (res.status < 300 || res.status >= 400 || !location) {
        if (hop === 0) return pass('store.redirects', { message: `${store.baseUrl} answers without redirecting` });
        return warn('store.redirects', {
          message: `${store.baseUrl} redirects to ${url}`,
          fix: `Set MAGENTO_BASE_URL to ${url} (the address the store answers at): signed calls are not redirected.`,
          details: { chain: seen },
        });
      }
      const next = new URL(location, url).toString();
      if (url.startsWith('https:') && next.startsWith('http:'))
        return fail('store.redirects', {
          message: `downgrade: ${url} redirects to plain http (${next})`,
          fix:
            'Remove the redirect to http in the web server or in Magento (Stores › Configuration › ' +
            'General › Web › Base URLs (Secure): Use Secure URLs on Storefront and in Admin = Yes).',
          details: { chain: [...seen, next] },
        });
      if (seen.includes(next))
        return fail('store.redirects', {
          message: `redirect loop: ${seen.slice(seen.indexOf(next)).join(' → ')} → ${next}`,
          fix:
            "Fix the web server's or proxy's rewrite rules (often a trailing-slash or http↔https rule " +
            "fighting Magento's own Base URL setting), so the store's base URL answers without a loop.",
          details: { chain: [...seen, next] },
        });
      seen.push(next);
      url = next;
    }
  } catch (err) {
    return fail('store.redirects', {
      message: `${url} does not answer: ${networkError(err)}`,
      fix: 'Check that the web server in front of Magento runs and answers on this address.',
      details: { chain: seen },
    });
  }
  return fail('store.redirects', {
    message: `more than ${MAX_REDIRECTS} redirects from ${store.baseUrl}`,
    fix: 'Fix the rewrite rules so the base URL answers in at most one redirect.',
    details: { chain: seen },
  });
}
