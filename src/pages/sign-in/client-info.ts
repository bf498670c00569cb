import type Provider from 'oidc-provider';

export interface ClientInfo {
  clientId: string;
  name: string;
  homepage: string | null;
  contacts: string[];
  policyUri: string | null;
  tosUri: string | null;
}

/** Only http(s) links are shown as links: client metadata is data from a third party. */
function safeUrl(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  try {
    const u = new URL(value);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.toString() : null;
  } catch {
    return null;
  }
}

/**
 * The app as the consent page introduces it, from the registered client's metadata (standard
 * names: client_name, client_uri, contacts, policy_uri, tos_uri); missing fields stay empty.
 */
export async function loadClientInfo(provider: Provider, clientId: string): Promise<ClientInfo> {
  const client = await provider.Client.find(clientId).catch(() => undefined);
  const meta = (client?.metadata() ?? {}) as Record<string, unknown>;
  const contacts = Array.isArray(meta.contacts)
    ? meta.contacts.filter((c): c is string => typeof c === 'string').slice(0, 5)
    : [];
  return {
    clientId,
    name: typeof meta.client_name === 'string' && meta.client_name.trim() ? meta.client_name.trim() : clientId,
    homepage: safeUrl(meta.client_uri),
    contacts,
    policyUri: safeUrl(meta.policy_uri),
    tosUri: safeUrl(meta.tos_uri),
  };
}
