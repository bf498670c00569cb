/**
 * Upstream calls in flight per client, capped so that one client cannot hold the whole pool to
 * Magento (GATEWAY_MAX_CONNECTIONS_PER_CLIENT): over its share a call is refused at once
 * instead of queueing behind the others.
 */
export interface ClientSlots {
  /** A release function (idempotent), or null when the client is at its cap. */
  tryAcquire(clientId: string): (() => void) | null;
  inFlight(clientId: string): number;
}

export function createClientSlots(limit: number): ClientSlots {
  const counts = new Map<string, number>();
  return {
    tryAcquire(clientId) {
      const n = counts.get(clientId) ?? 0;
      if (n >= limit) return null;
      counts.set(clientId, n + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (counts.get(clientId) ?? 1) - 1;
        if (left > 0) counts.set(clientId, left);
        else counts.delete(clientId);
      };
    },
    inFlight: (clientId) => counts.get(clientId) ?? 0,
  };
}
