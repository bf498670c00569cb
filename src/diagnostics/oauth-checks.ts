// Per client, the OAuth side: redirect URIs in shape, the secret's age, and a token issued and
// introspected end to end for a throwaway twin of the client (deleted afterwards, with its tokens).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkRedirectUri } from '../clients/redirect-uri-rules.js';
import { secretAge } from '../clients/secret-age.js';
import { fail, pass, skip, warn, type CheckResult } from './check-result.js';
import type { DoctorRun } from './doctor-run.js';

const clientOf = (run: DoctorRun, clientId: string) =>
  run.memo(`client:${clientId}`, () => run.services.clients.get(clientId));

export async function checkRedirectUris(run: DoctorRun, clientId: string): Promise<CheckResult> {
  const id = 'oauth.redirect_uris';
  const client = await clientOf(run, clientId);
  if (!client) return skip(id, `no client ${clientId}`, { client_id: clientId });
  const details = { client_id: clientId, redirect_uris: client.redirectUris };
  if (!client.redirectUris.length)
    return pass(id, { message: `${client.name} has no redirect URIs (no browser sign-in)`, details });
  // The production rules, whatever NODE_ENV says: what works on a laptop must also work live.
  const problems = client.redirectUris.flatMap((uri) => {
    try {
      checkRedirectUri(uri, { production: true });
      return [];
    } catch (err) {
      return [(err as Error).message];
    }
  });
  if (problems.length)
    return (run.services.config.production ? fail : warn)(id, {
      message: `${problems.length} redirect URI(s) of ${client.name} are not in shape: ${problems.join('; ')}`,
      fix: `Give the app https redirect URIs without a fragment (loopback http://127.0.0.1 only for native apps): \`npm run cli -- clients:update --client ${clientId} --redirect-uri <uri>\`.`,
      details,
    });
  return pass(id, {
    message: `${client.redirectUris.length} redirect URI(s) in shape (https or loopback, no fragment)`,
    details,
  });
}

export async function checkSecretAge(run: DoctorRun, clientId: string): Promise<CheckResult> {
  const id = 'oauth.secret_age';
  const client = await clientOf(run, clientId);
  if (!client) return skip(id, `no client ${clientId}`, { client_id: clientId });
  const maxDays = run.services.config.securityOps.clientSecretMaxAgeDays;
  const age = secretAge(client, run.services.clock.now(), maxDays);
  if (!age)
    return pass(id, {
      message: `${client.name} has no client secret (${client.authMethod})`,
      details: { client_id: clientId },
    });
  const details = { client_id: clientId, age_days: age.ageDays, max_age_days: maxDays };
  if (age.rotationDue)
    return warn(id, {
      message: `the client secret of ${client.name} is ${age.ageDays} days old (over ${maxDays})`,
      fix:
        `Rotate it: \`npm run cli -- clients:rotate-secret --client ${clientId}\`, give ` +
        `the app the new secret (the old one keeps working for the overlap period).`,
      details,
    });
  return pass(id, { message: `the client secret is ${age.ageDays} days old (rotation due after ${maxDays})`, details });
}

/** Form POST to the OAuth app on its throwaway local port, with Basic client authentication. */
async function post(base: string, path: string, auth: string, form: Record<string, string>) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Basic ${auth}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* revocation answers an empty body */
  }
  return { status: res.status, json };
}

export async function checkTokenRoundtrip(run: DoctorRun, clientId: string): Promise<CheckResult> {
  const id = 'oauth.token_roundtrip';
  const client = await clientOf(run, clientId);
  if (!client) return skip(id, `no client ${clientId}`, { client_id: clientId });
  if (!client.enabled) return skip(id, `${client.name} is disabled`, { client_id: clientId });
  if (!run.oauthApp) return skip(id, 'the OAuth endpoints are not available here', { client_id: clientId });
  if (run.statusOf('config.keys') === 'fail') return skip(id, 'no signing key (config.keys)', { client_id: clientId });
  const { clients, catalog } = run.services;
  const scopes = client.scopes.filter((s) => catalog.scopes.has(s));
  if (!scopes.length) return skip(id, `${client.name} has no API scopes`, { client_id: clientId });
  // A twin with the client's scopes and token format: its secret is known, the real one is not.
  const twin = await clients.create(
    {
      name: `doctor check of ${clientId}`,
      type: 'confidential',
      grantTypes: ['client_credentials'],
      scopes,
      tokenFormat: client.tokenFormat,
    },
    'doctor',
  );
  const server = createServer(await run.oauthApp());
  try {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const auth = Buffer.from(
      `${encodeURIComponent(twin.client.clientId)}:${encodeURIComponent(twin.clientSecret!)}`,
    ).toString('base64');
    const issued = await post(base, '/token', auth, { grant_type: 'client_credentials', scope: scopes.join(' ') });
    const token = typeof issued.json.access_token === 'string' ? issued.json.access_token : null;
    const details = { client_id: clientId, scopes, token_format: client.tokenFormat, token_status: issued.status };
    if (issued.status !== 200 || !token)
      return fail(id, {
        message:
          `the token endpoint refused an access token (${client.tokenFormat}) for these ` +
          `scopes: HTTP ${issued.status} ${String(issued.json.error ?? '')}`,
        fix:
          'Look at the server log for this request (LOG_LEVEL=debug), and ' +
          'check that the scope catalog (SCOPES_FILE) still has these scopes.',
        details,
      });
    const seen = await post(base, '/token/introspection', auth, { token });
    await post(base, '/token/revocation', auth, { token });
    const active = seen.json.active === true && seen.json.client_id === twin.client.clientId;
    if (!active)
      return fail(id, {
        message:
          `a token was issued but introspection does not know it ` +
          `(HTTP ${seen.status}, active=${String(seen.json.active)})`,
        fix:
          'Every server instance must use the same database and keys: ' +
          'check DATABASE_URL and ENCRYPTION_KEY on all of them.',
        details,
      });
    return pass(id, {
      message:
        `an access token (${client.tokenFormat}) for ${scopes.join(' ')} was issued, ` +
        `introspected as active and revoked (throwaway client, deleted)`,
      details,
    });
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    // Its tokens and grants go with it (client-store.delete).
    await clients.delete(twin.client.clientId, 'doctor');
  }
}
