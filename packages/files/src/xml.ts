import { SaxesParser } from 'saxes';
import { FileError } from './errors';
import { formatBytes } from './source';
import type { EntryHandler } from './zip';

/** Callbacks for one XML part; names come without their namespace prefix (`x:row` is `row`). */
export interface XmlHandlers {
  open?(name: string, attributes: Record<string, string>): void;
  text?(text: string): void;
  close?(name: string): void;
  end?(): void;
}

/**
 * What the parts of one pass over a workbook may cost: the bytes they inflate to,
 * together, and the bytes between two parser events (the parser holds an element's
 * attributes and a text until it ends, so one endless value would grow without bound).
 */
export interface XmlBudget {
  /** Inflated bytes so far, over every part of the pass. */
  used: number;
  maxBytes: number;
  maxNodeBytes: number;
}

export function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

/** Bytes handed to the parser at a time, so the node bound is checked at this granularity. */
const WRITE_BYTES = 64 * 1024;

/** A streaming XML parser for one ZIP entry: bytes in (any split), events out, within the pass's budget. */
export function xmlEntry(part: string, handlers: XmlHandlers, budget: XmlBudget): EntryHandler {
  const decoder = new TextDecoder('utf-8');
  const parser = new SaxesParser({ position: false });
  const { open, text, close } = handlers;
  let sinceEvent = 0;
  parser.on('opentag', (tag) => {
    sinceEvent = 0;
    open?.(localName(tag.name), tag.attributes as Record<string, string>);
  });
  const onText = (value: string) => {
    sinceEvent = 0;
    text?.(value);
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', (tag) => {
    sinceEvent = 0;
    close?.(localName(tag.name));
  });
  const write = (data: Uint8Array, final: boolean) => {
    const chunk = decoder.decode(data, { stream: !final });
    if (chunk) parser.write(chunk);
  };
  return (data, final) => {
    budget.used += data.length;
    if (budget.used > budget.maxBytes) {
      throw new FileError(
        'too_large',
        `The workbook is larger than the limit of ${formatBytes(budget.maxBytes)} once uncompressed: save it as CSV, or split it`,
      );
    }
    try {
      for (let at = 0; at < data.length; at += WRITE_BYTES) {
        sinceEvent += Math.min(WRITE_BYTES, data.length - at);
        write(data.subarray(at, at + WRITE_BYTES), final && at + WRITE_BYTES >= data.length);
        if (sinceEvent > budget.maxNodeBytes) {
          throw new FileError(
            'unreadable',
            `The workbook is damaged (${part}: one value or element is longer than ${formatBytes(budget.maxNodeBytes)})`,
          );
        }
      }
      if (final && data.length === 0) write(data, true);
      if (final) parser.close();
    } catch (error) {
      if (error instanceof FileError) throw error;
      throw new FileError('unreadable', `The workbook is damaged (${part}: ${(error as Error).message})`, {
        cause: error,
      });
    }
    if (final) handlers.end?.();
  };
}
