import { createHash, timingSafeEqual } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, jwtVerify, type JWK } from 'jose';
import type { Clock } from '../clock.js';
import { DPOP_SIGNING_ALGS } from '../oidc/dpop-algs.js';
import type { DpopReplayCache } from './dpop-replay-cache.js';

export type DpopCheck = { ok: true } | { ok: false; message: string };

export interface DpopProofVerifier {
  /**
   * RFC 9449 §4.3 and §7.1: the proof is a fresh `dpop+jwt` for this method and URL, for this
   * access token (`ath`), signed by the key the token is bound to (`jkt`), and not seen before.
   */
  verify(req: { proof: string; method: string; path: string; accessToken: string; jkt: string }): Promise<DpopCheck>;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];
const MAX_PROOF_LENGTH = 8192;
const MAX_JTI_LENGTH = 256;

const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');
const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * RFC 9449 §4.3: compare without query and fragment, after syntax- and scheme-based
 * normalisation (URL parsing lowercases scheme and host, drops default ports and dot segments;
 * percent-encodings of unreserved characters are decoded and the rest uppercased here).
 */
export function normalizeHtu(value: string): string | null {
  const url = URL.parse(value);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) return null;
  url.search = '';
  url.hash = '';
  url.pathname = url.pathname.replace(/%[0-9a-fA-F]{2}/g, (m) => {
    const c = String.fromCharCode(parseInt(m.slice(1), 16));
    return /^[A-Za-z0-9\-._~]$/.test(c) ? c : m.toUpperCase();
  });
  return url.href;
}

export function createDpopProofVerifier(deps: {
  /** The bridge's public URL: `htu` is built from it, never from Host or X-Forwarded-*. */
  issuer: string;
  clock: Clock;
  maxAgeS: number;
  replay: DpopReplayCache;
}): DpopProofVerifier {
  const fail = (message: string): DpopCheck => ({ ok: false, message });
  return {
    async verify({ proof, method, path, accessToken, jkt }) {
      if (proof.length > MAX_PROOF_LENGTH || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(proof))
        return fail('The DPoP header must hold one compact JWS');
      let header;
      try {
        header = decodeProtectedHeader(proof);
      } catch {
        return fail('The DPoP proof is not a JWS');
      }
      if (header.typ !== 'dpop+jwt') return fail('The DPoP proof must have typ "dpop+jwt"');
      if (!(DPOP_SIGNING_ALGS as readonly string[]).includes(String(header.alg)))
        return fail(`The DPoP proof must be signed with one of ${DPOP_SIGNING_ALGS.join(', ')}`);
      const jwk = header.jwk as JWK | undefined;
      if (!jwk || typeof jwk !== 'object') return fail('The DPoP proof has no jwk header');
      if (PRIVATE_MEMBERS.some((m) => m in jwk)) return fail('The DPoP proof jwk header must be a public key');

      let payload;
      try {
        ({ payload } = await jwtVerify(proof, EmbeddedJWK, {
          typ: 'dpop+jwt',
          algorithms: [...DPOP_SIGNING_ALGS],
          currentDate: new Date(deps.clock.now()),
          requiredClaims: ['iat', 'jti', 'htm', 'htu'],
        }));
      } catch {
        return fail('The DPoP proof signature or claims are invalid');
      }
      const now = Math.floor(deps.clock.now() / 1000);
      if (typeof payload.iat !== 'number' || Math.abs(now - payload.iat) > deps.maxAgeS)
        return fail('The DPoP proof iat is not recent enough');
      if (typeof payload.jti !== 'string' || !payload.jti || payload.jti.length > MAX_JTI_LENGTH)
        return fail('The DPoP proof needs a jti (at most 256 characters)');
      if (payload.htm !== method) return fail('The DPoP proof htm does not match the request method');
      const htu = typeof payload.htu === 'string' ? normalizeHtu(payload.htu) : null;
      if (!htu || htu !== normalizeHtu(deps.issuer + path))
        return fail('The DPoP proof htu does not match the request URL');
      if (typeof payload.ath !== 'string' || !same(payload.ath, sha256(accessToken)))
        return fail('The DPoP proof ath does not match the access token');
      if (!same(await calculateJwkThumbprint(jwk), jkt))
        return fail('The DPoP proof key is not the key the access token is bound to');
      // Last, so a proof refused for another reason does not use up its jti.
      if (!(await deps.replay.firstUse(jkt, payload.jti, (payload.iat + deps.maxAgeS + 1) * 1000)))
        return fail('The DPoP proof was already used');
      return { ok: true };
    },
  };
}
