type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Typed readers that collect every problem instead of stopping at the first. */
export function readers(env: Env) {
  const problems: string[] = [];
  const raw = (name: string) => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const fail = (name: string, why: string) => {
    problems.push(`${name} ${why}`);
  };
  return {
    fail,
    string(name: string, def: string): string {
      return raw(name) ?? def;
    },
    int(name: string, def: number, range: { min?: number; max?: number } = {}): number {
      const v = raw(name);
      if (v === undefined) return def;
      const n = Number(v);
      if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(n)) {
        fail(name, `must be an integer (got "${v}")`);
        return def;
      }
      if (range.min !== undefined && n < range.min) fail(name, `must be >= ${range.min} (got ${n})`);
      if (range.max !== undefined && n > range.max) fail(name, `must be <= ${range.max} (got ${n})`);
      return n;
    },
    bool(name: string, def: boolean): boolean {
      const v = raw(name)?.toLowerCase();
      if (v === undefined) return def;
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off'].includes(v)) return false;
      fail(name, `must be true or false (got "${v}")`);
      return def;
    },
    oneOf<T extends string>(name: string, allowed: readonly T[], def: T): T {
      const v = raw(name);
      if (v === undefined) return def;
      if (!(allowed as readonly string[]).includes(v)) {
        fail(name, `must be one of ${allowed.join(', ')} (got "${v}")`);
        return def;
      }
      return v as T;
    },
    url(name: string, def: string, opts: { trailingSlash?: boolean; noTrailingSlash?: boolean } = {}): string {
      const v = raw(name) ?? def;
      if (!v) return v;
      let u: URL;
      try {
        u = new URL(v);
      } catch {
        fail(name, `must be an absolute URL (got "${v}")`);
        return def;
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:') fail(name, 'must be an http:// or https:// URL');
      if (u.search || u.hash || u.username) fail(name, 'must not carry a query string, fragment or credentials');
      let s = u.toString();
      if (opts.noTrailingSlash) s = s.replace(/\/+$/, '');
      if (opts.trailingSlash && !s.endsWith('/')) s += '/';
      return s;
    },
    list(name: string): string[] {
      return (raw(name) ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    },
    /** Comma-separated 32-byte keys given as base64/base64url (44/43 chars) or hex (64 chars). */
    keyList(name: string, bytes: number): Buffer[] {
      return (raw(name) ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .flatMap((s, i) => {
          const buf =
            /^[0-9a-f]+$/i.test(s) && s.length === bytes * 2 ? Buffer.from(s, 'hex') : Buffer.from(s, 'base64');
          if (buf.length !== bytes) {
            fail(name, `key #${i + 1} must be ${bytes} bytes, base64 or hex (got ${buf.length} bytes)`);
            return [];
          }
          return [buf];
        });
    },
    throwIfFailed() {
      if (problems.length) throw new ConfigError(problems);
    },
  };
}
