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
  source.on('error', (err) => counter.destroy(err));
  source.pipe(counter);
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
