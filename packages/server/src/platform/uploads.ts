import { Transform } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { payloadTooLarge } from '../store/blobs.ts';

/** Counts the bytes of a streamed upload going through and fails with a 413 once they pass `limit`. */
export function capped(limit: number): Transform {
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      done(size > limit ? payloadTooLarge(limit) : null, chunk);
    },
  });
}

/**
 * After a refused upload (413, or storage failing) the client may still be sending: read and drop
 * the rest so that it gets the answer, but no more than `cap` bytes (then the connection goes).
 * A multipart parser may still be reading the request: it is unpiped first.
 */
export function discardRest(req: FastifyRequest, cap: number): void {
  const raw = req.raw;
  if (raw.readableEnded || raw.destroyed) return;
  raw.unpipe();
  let dropped = 0;
  raw.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > cap) raw.socket?.destroy();
  });
  raw.resume();
}
