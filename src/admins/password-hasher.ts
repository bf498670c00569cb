import argon2 from 'argon2';

export interface Argon2Params {
  memoryKib: number;
  timeCost: number;
  parallelism: number;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** `needsRehash` is true when the stored hash was made with other parameters than today's. */
  verify(hash: string, password: string): Promise<{ ok: boolean; needsRehash: boolean }>;
  /** Spends the time of a real verify, for unknown usernames (no timing oracle). */
  verifyDummy(password: string): Promise<void>;
}

/** argon2id with the configured parameters (OWASP minimum m=19 MiB, t=2, p=1). */
export function createPasswordHasher(params: Argon2Params): PasswordHasher {
  const options = {
    type: argon2.argon2id as 2,
    memoryCost: params.memoryKib,
    timeCost: params.timeCost,
    parallelism: params.parallelism,
  };
  let dummy: Promise<string> | null = null;
  const hasher: PasswordHasher = {
    hash: (password) => argon2.hash(password, options),
    async verify(hash, password) {
      let ok: boolean;
      try {
        ok = await argon2.verify(hash, password);
      } catch {
        ok = false; // malformed stored hash: treat as a wrong password, never a 500
      }
      return { ok, needsRehash: ok && argon2.needsRehash(hash, options) };
    },
    async verifyDummy(password) {
      dummy ??= argon2.hash('dummy password for unknown users', options);
      await hasher.verify(await dummy, password);
    },
  };
  return hasher;
}
