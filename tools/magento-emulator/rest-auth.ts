// Who is calling a REST route, and may they: OAuth 1.0a-signed integration token, integration
// token as Bearer (only when the flag is on), or guest. Then Magento's all-resources ACL check.
import type { EmulatedIntegration, EmulatorStore } from './emulator-store.js';
import { isSignatureValid } from './oauth-params.js';
import {
  collectOauthParams,
  OauthProblem,
  requestBaseString,
  validateProtocol,
  type EmulatorRequest,
} from './token-endpoints.js';

export interface RestIdentity {
  integration: EmulatedIntegration | null;
  /** Signature (or bearer) accepted. */
  ok: boolean;
  reason: string;
  error?: { status: number; message: string };
}

function authorizationHeader(req: EmulatorRequest): string {
  const h = req.headers.authorization;
  return (Array.isArray(h) ? h[0] : h) ?? '';
}

export function identifyRestCaller(
  req: EmulatorRequest,
  store: EmulatorStore,
  nowMs: number,
  options: { bearerEnabled: boolean },
): RestIdentity {
  const header = authorizationHeader(req);
  if (/^bearer /i.test(header)) {
    const found = store.byToken(header.slice(7).trim());
    const usable = found && found.token?.type === 'access' && !found.token.revoked;
    if (!options.bearerEnabled) return { integration: null, ok: false, reason: 'bearer_disabled' };
    if (!usable) return { integration: null, ok: false, reason: 'bearer_unknown_token' };
    return { integration: found, ok: true, reason: 'bearer' };
  }
  if (!/^oauth /i.test(header)) return { integration: null, ok: false, reason: 'no_credentials' };
  try {
    const params = collectOauthParams(req);
    const integration = validateProtocol(params, store, nowMs, ['oauth_token']);
    const owner = store.byToken(params.oauth_token!);
    if (!owner || owner.token?.type !== 'access') throw new OauthProblem('Specified token does not exist', 401);
    if (owner.id !== integration.id) throw new OauthProblem('Token is not associated with the specified consumer', 401);
    if (owner.token.revoked) throw new OauthProblem('Access token has been revoked', 401);
    const base = requestBaseString(req, params);
    if (!isSignatureValid(base, params.oauth_signature!, integration.consumerSecret, owner.token.secret)) {
      throw new OauthProblem('The signature is invalid. Verify and try again.', 401);
    }
    return { integration, ok: true, reason: 'signature_valid' };
  } catch (err) {
    const status = err instanceof OauthProblem ? err.status : 500;
    const message = (err as Error).message;
    return { integration: null, ok: false, reason: message, error: { status, message } };
  }
}

/** Resources the caller lacks (Magento requires every one); empty when allowed. */
export function missingResources(resources: readonly string[], integration: EmulatedIntegration | null): string[] {
  if (resources.includes('anonymous')) return [];
  if (!integration || resources.includes('self')) return [...resources];
  if (integration.resources === 'all') return [];
  const granted = integration.resources;
  return resources.filter((r) => !granted.includes(r));
}
