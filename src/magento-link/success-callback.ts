/**
 * Magento's `success_call_back` closes its identity-link popup. We only ever send the browser
 * there when it is on the configured store's origin: anything else would make the identity
 * link page an open redirect.
 */
export function safeSuccessCallback(raw: unknown, magentoBaseUrl: string | null): string | null {
  if (typeof raw !== 'string' || !raw || raw.length > 2048 || !magentoBaseUrl) return null;
  const url = URL.parse(raw);
  const store = URL.parse(magentoBaseUrl);
  if (!url || !store) return null;
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username || url.password) return null;
  return url.origin === store.origin ? url.toString() : null;
}
