/** The four values Magento shows on an integration's "Integration Details" after Save & Activate. */
export interface ImportedCredentials {
  consumerKey: string;
  consumerSecret: string;
  token: string;
  tokenSecret: string;
}

const FIELDS: Record<string, keyof ImportedCredentials> = {
  consumer_key: 'consumerKey',
  consumer_secret: 'consumerSecret',
  access_token: 'token',
  token: 'token',
  access_token_secret: 'tokenSecret',
  token_secret: 'tokenSecret',
};
const LABELS: Record<keyof ImportedCredentials, string> = {
  consumerKey: 'consumer_key',
  consumerSecret: 'consumer_secret',
  token: 'access_token',
  tokenSecret: 'access_token_secret',
};
const VALUE = /^[0-9a-z]{32}$/;

/** `MAGENTO_CONSUMER_KEY`, `oauth_consumer_key`, `Consumer Key`, `consumerKey` → `consumer_key`. */
function fieldOf(name: string): keyof ImportedCredentials | undefined {
  const snake = name
    .trim()
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
  return FIELDS[snake.replace(/^(magento_)?(oauth_)?/, '')];
}

/**
 * Reads the credentials from standard input (a JSON object, or `key=value` / `key: value` lines)
 * or, when stdin is empty, from MAGENTO_CONSUMER_KEY, MAGENTO_CONSUMER_SECRET,
 * MAGENTO_ACCESS_TOKEN and MAGENTO_ACCESS_TOKEN_SECRET. Never from argv (shell history, ps).
 * Errors name the field, never echo its value.
 */
export function parseImportCredentials(
  stdin: string,
  env: Record<string, string | undefined>,
): { ok: true; credentials: ImportedCredentials; source: 'stdin' | 'env' } | { ok: false; message: string } {
  const found: Partial<Record<keyof ImportedCredentials, string>> = {};
  const text = stdin.trim();
  let source: 'stdin' | 'env' = 'stdin';
  if (text.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { ok: false, message: 'standard input starts with "{" but is not valid JSON' };
    }
    if (!json || typeof json !== 'object' || Array.isArray(json))
      return { ok: false, message: 'standard input must be a JSON object' };
    for (const [k, v] of Object.entries(json)) {
      const f = fieldOf(k);
      if (f && typeof v === 'string') found[f] = v.trim();
    }
  } else if (text) {
    for (const line of text.split(/\r?\n/)) {
      const m = /^\s*(?:export\s+)?([^=:#]+?)\s*[=:]\s*(.*?)\s*$/.exec(line);
      if (!m) continue;
      const f = fieldOf(m[1]!);
      if (f) found[f] = m[2]!.replace(/^(['"])(.*)\1$/, '$2');
    }
  } else {
    source = 'env';
    found.consumerKey = env.MAGENTO_CONSUMER_KEY?.trim();
    found.consumerSecret = env.MAGENTO_CONSUMER_SECRET?.trim();
    found.token = env.MAGENTO_ACCESS_TOKEN?.trim();
    found.tokenSecret = env.MAGENTO_ACCESS_TOKEN_SECRET?.trim();
  }
  const missing = (Object.keys(LABELS) as (keyof ImportedCredentials)[]).filter((f) => !found[f]);
  if (missing.length) {
    const where =
      source === 'env'
        ? 'in the environment (MAGENTO_CONSUMER_KEY, MAGENTO_CONSUMER_SECRET, MAGENTO_ACCESS_TOKEN, ' +
          'MAGENTO_ACCESS_TOKEN_SECRET)'
        : 'on standard input';
    return { ok: false, message: `missing ${missing.map((f) => LABELS[f]).join(', ')} ${where}` };
  }
  for (const f of Object.keys(LABELS) as (keyof ImportedCredentials)[]) {
    if (!VALUE.test(found[f]!))
      return { ok: false, message: `${LABELS[f]} must be 32 characters of [0-9a-z] (as Magento shows it)` };
  }
  return { ok: true, credentials: found as ImportedCredentials, source };
}
