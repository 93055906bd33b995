import { SaxesParser } from 'saxes';
import { FileError } from './errors';
import type { EntryHandler } from './zip';

/** Callbacks for one XML part; names come without their namespace prefix (`x:row` is `row`). */
export interface XmlHandlers {
  open?(name: string, attributes: Record<string, string>): void;
  text?(text: string): void;
  close?(name: string): void;
  end?(): void;
}

export function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

/** A streaming XML parser for one ZIP entry: bytes in (any split), events out. */
export function xmlEntry(part: string, handlers: XmlHandlers): EntryHandler {
  const decoder = new TextDecoder('utf-8');
  const parser = new SaxesParser({ position: false });
  const { open, text, close } = handlers;
  if (open)
    parser.on('opentag', (tag) => open(localName(tag.name), tag.attributes as Record<string, string>));
  if (text) {
    parser.on('text', text);
    parser.on('cdata', text);
  }
  if (close) parser.on('closetag', (tag) => close(localName(tag.name)));
  return (data, final) => {
    try {
      const chunk = decoder.decode(data, { stream: !final });
      if (chunk) parser.write(chunk);
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
