import type { IncomingMessage } from 'node:http';

/** oidc-provider's own cap on a form body (lib/shared/selective_body.js). */
export const PROVIDER_BODY_LIMIT = 56 * 1024;

export class BodyTooLargeError extends Error {}

/** Reads the whole request body, refusing past `limit` bytes. */
export async function readBody(req: IncomingMessage, limit = PROVIDER_BODY_LIMIT): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req.iterator({ destroyOnReturn: false })) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLargeError('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}

/**
 * The request as oidc-provider will read it, with a body we already read: the limits need the
 * client id before the provider runs, and the provider reads the stream itself (its fallback for a
 * pre-parsed body prints a warning). Everything but the stream is the original request's.
 */
export function withReplayedBody(req: IncomingMessage, body: Buffer): IncomingMessage {
  const bound = new Map<PropertyKey, unknown>();
  const iterator = () =>
    (async function* replay() {
      if (body.length) yield body;
    })();
  return new Proxy(req, {
    get(target, prop) {
      if (prop === 'readable') return true;
      if (prop === 'iterator') return iterator;
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      let fn = bound.get(prop);
      if (!fn) bound.set(prop, (fn = (value as (...a: unknown[]) => unknown).bind(target)));
      return fn;
    },
  });
}
