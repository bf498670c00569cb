// Child process: the bare engine. oidc-provider 9 with its default in-memory adapter and one
// confidential client (client_secret_basic; client_credentials, refresh_token, authorization_code),
// opaque access tokens for one resource server, refresh-token rotation: the same protocol work as
// the product without its database, audit, policies or pages. Prints {"ready":true,"port":n,...}.
// POST /bench/refresh-tokens?n=<count> mints refresh tokens (grant + token, as a code flow would
// leave them) so the refresh scenario can start chains without running pages this engine lacks.
import { generateKeyPair, exportJWK } from 'jose';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

const ISSUER = 'https://reference.bench.test';
const AUDIENCE = `${ISSUER}/api`;
const CLIENT_ID = 'bench-reference';
const CLIENT_SECRET = 'bench-reference-secret-0123456789abcdef';
const API_SCOPES = 'catalog:read catalog:write';

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const provider = new Provider(ISSUER, {
  clients: [
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      grant_types: ['client_credentials', 'refresh_token', 'authorization_code'],
      response_types: ['code'],
      redirect_uris: ['https://app.example.com/callback'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: `openid offline_access ${API_SCOPES}`,
    },
  ],
  scopes: ['openid', 'offline_access', ...API_SCOPES.split(' ')],
  jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'bench' }] },
  cookies: { keys: ['bench-reference-cookie-key-0123456789abcdef'] },
  rotateRefreshToken: true,
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => AUDIENCE,
      useGrantedResource: async () => true,
      getResourceServerInfo: async () => ({
        scope: API_SCOPES,
        audience: AUDIENCE,
        accessTokenTTL: 3600,
        accessTokenFormat: 'opaque',
      }),
    },
  },
});
provider.proxy = true;

async function mintRefreshTokens(count: number): Promise<string[]> {
  const client = await provider.Client.find(CLIENT_ID);
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const accountId = `bench-user-${i}`;
    const grant = new provider.Grant({ accountId, clientId: CLIENT_ID });
    // No openid, as in the product's flows: no ID token signed at each refresh.
    grant.addOIDCScope('offline_access');
    grant.addResourceScope(AUDIENCE, API_SCOPES);
    const grantId = await grant.save();
    const token = new provider.RefreshToken({
      accountId,
      client: client!,
      grantId,
      gty: 'authorization_code',
      scope: `offline_access ${API_SCOPES}`,
      resource: AUDIENCE,
      authTime: Math.floor(Date.now() / 1000),
      rotations: 0,
      iiat: Math.floor(Date.now() / 1000),
    });
    tokens.push(await token.save());
  }
  return tokens;
}

const handle = provider.callback();
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method === 'POST' && url.pathname === '/bench/refresh-tokens') {
    mintRefreshTokens(Number(url.searchParams.get('n') ?? '1')).then(
      (tokens) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ refresh_tokens: tokens }));
      },
      (err: Error) => {
        res.writeHead(500);
        res.end(err.stack);
      },
    );
    return;
  }
  void handle(req, res);
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(JSON.stringify({ ready: true, port, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
