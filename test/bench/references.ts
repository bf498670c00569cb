// The two references, each its own process: the bare engine (oidc-provider) and the bare proxy.
import { startProcess, type Started } from './child-processes.js';
import { benchScript } from './entry-points.js';
import type { EmulatorCredentials } from './product-setup.js';

export interface BareEngine {
  proc: Started;
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  mintRefreshTokens: (n: number) => Promise<string[]>;
}

export async function startBareEngine(): Promise<BareEngine> {
  const entry = benchScript('reference-oidc-provider.ts');
  const { proc, readyLine } = await startProcess({
    name: 'bare-oidc-provider',
    command: entry.command,
    args: entry.args,
    env: { NODE_ENV: 'production' },
    readyWhen: (l) => l.startsWith('{"ready":true'),
  });
  const ready = JSON.parse(readyLine) as { port: number; clientId: string; clientSecret: string };
  const baseUrl = `http://127.0.0.1:${ready.port}`;
  return {
    proc,
    baseUrl,
    clientId: ready.clientId,
    clientSecret: ready.clientSecret,
    mintRefreshTokens: async (n) => {
      const res = await fetch(`${baseUrl}/bench/refresh-tokens?n=${n}`, { method: 'POST' });
      if (!res.ok) throw new Error(`minting refresh tokens: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { refresh_tokens: string[] }).refresh_tokens;
    },
  };
}

export interface BareProxy {
  proc: Started;
  baseUrl: string;
}

export async function startBareProxy(upstreamUrl: string, credentials: EmulatorCredentials): Promise<BareProxy> {
  const entry = benchScript('reference-proxy.ts');
  const { proc, readyLine } = await startProcess({
    name: 'bare-proxy',
    command: entry.command,
    args: entry.args,
    env: { NODE_ENV: 'production', UPSTREAM_URL: upstreamUrl, UPSTREAM_CREDENTIALS: JSON.stringify(credentials) },
    readyWhen: (l) => l.startsWith('{"ready":true'),
  });
  return { proc, baseUrl: `http://127.0.0.1:${(JSON.parse(readyLine) as { port: number }).port}` };
}
