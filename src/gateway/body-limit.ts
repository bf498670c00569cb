import { Transform, type Readable } from 'node:stream';

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** Passes a body through while counting it; fails the stream as soon as it passes the limit. */
export function limitedBody(source: Readable, limit: number): Readable & { bytes(): number } {
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > limit) done(new BodyTooLargeError(limit));
      else done(null, chunk);
    },
  });
  // The consumer (undici) learns of errors when it reads or is aborted; until it starts — a
  // request queued for a pooled connection — nobody listens, and an unhandled 'error' would
  // end the process. So the counter always has a listener.
  counter.on('error', () => undefined);
  const fail = (err?: Error) => counter.destroy(err ?? new Error('aborted'));
  source.on('error', fail);
  source.on('aborted', () => fail());
  if (source.destroyed && !source.readableEnded) fail();
  else source.pipe(counter);
  return Object.assign(counter, { bytes: () => bytes });
}

/** Reads a whole (small, bounded) body: for form bodies that must be signed and GraphQL documents. */
export async function readBody(source: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of source) {
    total += (chunk as Buffer).length;
    if (total > limit) throw new BodyTooLargeError(limit);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
