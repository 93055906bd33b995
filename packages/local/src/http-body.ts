import type { IncomingMessage } from 'node:http';

/**
 * The whole body of a request (or of an upstream response). With `maxBytes`, undefined
 * once the body passes it: the rest is still read to its end (and dropped), so that the
 * refusal reaches the client instead of a reset connection.
 */
export async function readBody(message: IncomingMessage): Promise<Buffer>;
export async function readBody(message: IncomingMessage, maxBytes: number): Promise<Buffer | undefined>;
export async function readBody(
  message: IncomingMessage,
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of message) {
    size += (chunk as Buffer).length;
    if (size <= maxBytes) chunks.push(chunk as Buffer);
  }
  return size > maxBytes ? undefined : Buffer.concat(chunks);
}
