import type { Readable } from 'node:stream';
import { FileError } from './errors';

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  throw new FileError('unreadable', 'The file stream gave something other than bytes');
}

/**
 * The bytes of one opened file stream, pulled on demand (the consumer's pace is the
 * stream's pace), with a look-ahead for format detection and a running byte count
 * checked against `maxBytes`.
 */
export class ByteSource {
  private readonly iterator: AsyncIterator<unknown>;
  private readonly buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private ended = false;
  /** Bytes pulled from the stream so far. */
  bytesRead = 0;

  constructor(
    private readonly stream: NodeJS.ReadableStream | Readable,
    /** Where this stream starts in the file (a ranged read), for the size limit. */
    private readonly startByte: number,
    private readonly maxBytes: number | undefined,
  ) {
    this.iterator = (stream as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  }

  private async pull(): Promise<Buffer | undefined> {
    if (this.ended) return undefined;
    for (;;) {
      const next = await this.iterator.next();
      if (next.done) {
        this.ended = true;
        return undefined;
      }
      const chunk = toBuffer(next.value);
      if (chunk.length === 0) continue;
      this.bytesRead += chunk.length;
      if (this.maxBytes !== undefined && this.startByte + this.bytesRead > this.maxBytes) {
        throw tooLarge(this.maxBytes);
      }
      return chunk;
    }
  }

  /** At least `min` bytes from the start (fewer if the file is shorter), without consuming them. */
  async peek(min: number): Promise<{ bytes: Buffer; ended: boolean }> {
    while (this.bufferedBytes < min) {
      const chunk = await this.pull();
      if (!chunk) break;
      this.buffered.push(chunk);
      this.bufferedBytes += chunk.length;
    }
    const bytes = this.buffered.length === 1 ? (this.buffered[0] as Buffer) : Buffer.concat(this.buffered);
    this.buffered.splice(0, this.buffered.length, bytes);
    return { bytes, ended: this.ended };
  }

  /** The bytes from `skip` on: the look-ahead first, then the rest of the stream. */
  async *chunks(skip = 0): AsyncGenerator<Buffer> {
    let toSkip = skip;
    while (this.buffered.length > 0) {
      const chunk = this.buffered.shift() as Buffer;
      this.bufferedBytes -= chunk.length;
      if (toSkip >= chunk.length) {
        toSkip -= chunk.length;
        continue;
      }
      yield toSkip > 0 ? chunk.subarray(toSkip) : chunk;
      toSkip = 0;
    }
    for (;;) {
      const chunk = await this.pull();
      if (!chunk) return;
      if (toSkip >= chunk.length) {
        toSkip -= chunk.length;
        continue;
      }
      yield toSkip > 0 ? chunk.subarray(toSkip) : chunk;
      toSkip = 0;
    }
  }

  /** Stops reading: the stream is destroyed (a ranged S3 read is aborted). */
  close(): void {
    this.ended = true;
    const stream = this.stream as Partial<Readable>;
    if (typeof stream.destroy === 'function') stream.destroy();
    else void this.iterator.return?.();
  }
}

export function tooLarge(maxBytes: number): FileError {
  return new FileError('too_large', `The file is larger than the limit of ${formatBytes(maxBytes)}`);
}

/** A count as people read it: `16,384`. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;
  if (bytes >= 1024) return `${Math.round((bytes / 1024) * 10) / 10} KB`;
  return `${bytes} bytes`;
}
