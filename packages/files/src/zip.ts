import { Unzip, type UnzipDecoder, UnzipInflate } from 'fflate';
import { FileError } from './errors';

/** Receives an entry's uncompressed bytes; `final` marks its end. */
export type EntryHandler = (data: Uint8Array, final: boolean) => void;

const EMPTY = new Uint8Array(0);
/** Compressed bytes handed to the inflater at a time: bounds the burst of rows one step produces. */
const STEP_BYTES = 16 * 1024;

/**
 * A streaming ZIP reader over fflate's `Unzip`: entries are met in archive order; the
 * ones `select` wants are inflated and handed over chunk by chunk, the others are
 * passed over without being inflated or kept (fflate would otherwise keep the
 * compressed bytes of an entry nobody started).
 */
export class ZipScanner {
  private readonly unzip: Unzip;
  private readonly handlers = new Map<string, EntryHandler>();
  private failure: unknown;

  constructor(select: (name: string) => EntryHandler | undefined) {
    const handlers = this.handlers;
    const fail = (error: unknown) => {
      this.failure ??= error;
    };
    class Inflate implements UnzipDecoder {
      static compression = 8;
      ondata!: UnzipDecoder['ondata'];
      private readonly inner?: UnzipInflate;
      constructor(name: string) {
        if (handlers.has(name)) {
          this.inner = new UnzipInflate();
          this.inner.ondata = (error, data, final) => this.ondata(error, data, final);
        }
      }
      push(chunk: Uint8Array, final: boolean): void {
        if (this.inner) this.inner.push(chunk, final);
        else if (final) this.ondata(null, EMPTY, true);
      }
    }
    class Stored implements UnzipDecoder {
      static compression = 0;
      ondata!: UnzipDecoder['ondata'];
      private readonly keep: boolean;
      constructor(name: string) {
        this.keep = handlers.has(name);
      }
      push(chunk: Uint8Array, final: boolean): void {
        if (this.keep) this.ondata(null, chunk as Uint8Array<ArrayBuffer>, final);
        else if (final) this.ondata(null, EMPTY, true);
      }
    }
    this.unzip = new Unzip((file) => {
      if (this.failure) return;
      let handler: EntryHandler | undefined;
      try {
        handler = select(file.name);
      } catch (error) {
        fail(error);
      }
      if (handler) handlers.set(file.name, handler);
      file.ondata = (error, data, final) => {
        if (this.failure) return;
        if (error)
          return fail(
            new FileError('unreadable', `The workbook is damaged (${file.name}: ${error.message})`),
          );
        if (!handler) return;
        try {
          handler(data, final);
        } catch (e) {
          fail(e);
        }
        if (final) handlers.delete(file.name);
      };
      file.start();
    });
    this.unzip.register(Inflate);
    this.unzip.register(Stored);
  }

  /**
   * Hands over the next bytes of the archive in steps of `STEP_BYTES`, pausing after
   * each step so that the consumer takes what the step produced (or stops).
   */
  *push(chunk: Uint8Array, final: boolean): Generator<void> {
    for (let at = 0; at < chunk.length; at += STEP_BYTES) {
      this.step(chunk.subarray(at, at + STEP_BYTES), final && at + STEP_BYTES >= chunk.length);
      yield;
    }
  }

  /** The archive has ended: a truncated archive fails here. */
  finish(): void {
    this.step(EMPTY, true);
  }

  private step(piece: Uint8Array, final: boolean): void {
    try {
      this.unzip.push(piece, final);
    } catch (error) {
      this.failure ??= new FileError(
        'unreadable',
        `The workbook is damaged or is not an .xlsx file (${(error as Error).message})`,
        { cause: error },
      );
    }
    if (this.failure) throw this.failure;
  }
}
