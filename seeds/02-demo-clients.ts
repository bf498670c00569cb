import type { CliContext } from '../src/cli/cli-context.js';
import { clientStoreFor } from '../src/cli/clients-commands.js';

/**
 * Development only (db:seed refuses production): a public "Demo SPA / native app" (PKCE, loopback
 * redirect) and a confidential "Demo back-office job" (client credentials). Prints their ids and
 * the job's secret (shown once; rotate with clients:rotate-secret).
 */
export async function seed(ctx: CliContext): Promise<void> {
  const store = clientStoreFor(ctx);
  const existing = await store.list();
  if (existing.some((c) => c.name.startsWith('Demo '))) {
    ctx.io.out('demo clients already exist (clients:list)');
    return;
  }
  const app = await store.create(
    {
      name: 'Demo native app',
      type: 'public',
      redirectUris: ['http://127.0.0.1:8765/callback'],
      scopes: ['catalog:read', 'orders:read', 'offline_access'],
      grantTypes: ['authorization_code', 'refresh_token'],
      homepage: 'http://127.0.0.1:8765/',
    },
    'seed',
  );
  const job = await store.create(
    {
      name: 'Demo back-office job',
      type: 'confidential',
      scopes: ['catalog:read', 'stores:read'],
      grantTypes: ['client_credentials'],
    },
    'seed',
  );
  ctx.io.out(`demo public client: ${app.client.clientId} (redirect http://127.0.0.1:8765/callback)`);
  ctx.io.out(`demo client-credentials client: ${job.client.clientId} secret ${job.clientSecret}`);
}
