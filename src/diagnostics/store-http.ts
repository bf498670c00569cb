// How the doctor reaches the store: short timeouts, no redirects followed, the extra CAs the
// operator trusts (DOCTOR_CA_FILE / NODE_EXTRA_CA_CERTS), so a dead or slow store never hangs it.
import { rootCertificates } from 'node:tls';
import { Agent, request } from 'undici';

export interface StoreAnswer {
  status: number;
  headers: Record<string, string>;
  text: string;
}

export interface StoreHttp {
  /** Extra trusted CAs (PEM) on top of Node's roots; empty when none is configured. */
  readonly extraCa: readonly string[];
  readonly timeoutMs: number;
  send(url: string, init?: { method?: string; headers?: Record<string, string>; body?: string }): Promise<StoreAnswer>;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

export function createStoreHttp(opts: { extraCa: readonly string[]; timeoutMs: number }): StoreHttp {
  const agent = new Agent({
    connect: { timeout: opts.timeoutMs, ca: [...rootCertificates, ...opts.extraCa] },
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
    connections: 4,
  });
  return {
    extraCa: opts.extraCa,
    timeoutMs: opts.timeoutMs,
    async send(url, init = {}) {
      const res = await request(url, {
        method: (init.method ?? 'GET') as 'GET',
        headers: init.headers,
        body: init.body,
        dispatcher: agent,
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = String(v);
      // Only the start of a body is ever read: error pages and oauth_problem lines are short.
      let text = '';
      for await (const chunk of res.body) {
        text += (chunk as Buffer).toString('utf8');
        if (text.length >= MAX_BODY) break;
      }
      return { status: res.statusCode, headers, text: text.slice(0, MAX_BODY) };
    },
    close: () => agent.close(),
  };
}

/** Magento's error text: `{"message": …}` on REST, `oauth_problem=…` on the OAuth endpoints. */
export function magentoMessage(text: string): string | null {
  try {
    const json = JSON.parse(text) as { message?: unknown };
    if (typeof json?.message === 'string') return json.message.slice(0, 300);
  } catch {
    if (/^oauth_problem=/.test(text.trim())) {
      const problem = new URLSearchParams(text.trim()).get('oauth_problem');
      if (problem) return problem.slice(0, 300);
    }
  }
  return null;
}
