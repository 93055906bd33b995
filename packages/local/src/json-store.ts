import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

let tmpCounter = 0;

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/** Reads a JSON file, or answers `fallback` when the file does not exist yet. */
export async function readJsonFile<T>(file: string, fallback: T): Promise<T> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (isMissing(error)) return fallback;
    throw error;
  }
  return JSON.parse(text) as T;
}

/**
 * Writes through a temporary file and a rename so that a crash mid-write leaves either the old or
 * the new content, never half a file.
 */
export async function writeJsonFileAtomic(file: string, value: unknown): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  tmpCounter += 1;
  const tmp = `${file}.${process.pid}.${tmpCounter}.tmp`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`, 'utf8');
  await rename(tmp, file);
}

/** Appends one JSON document as one line. */
export async function appendJsonLine(file: string, value: unknown): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await appendFile(file, `${JSON.stringify(value)}\n`, 'utf8');
}

/**
 * Reads a JSON-lines file. A torn last line (the process died while appending) is skipped rather
 * than making the whole file unreadable.
 */
export async function readJsonLines<T>(file: string): Promise<T[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      console.error(`json-store: skipping an unreadable line in ${file}`);
    }
  }
  return out;
}

export interface JsonFileWriter {
  /** Queues a snapshot; resolves once that snapshot (or a later one) is on disk. */
  write(value: unknown): Promise<void>;
  /** Resolves when every queued write has finished. */
  flush(): Promise<void>;
}

/**
 * Serialises snapshot writes to one file: concurrent writers would otherwise race on rename and an
 * older snapshot could land last.
 */
export function createJsonFileWriter(file: string): JsonFileWriter {
  let chain: Promise<void> = Promise.resolve();
  return {
    write(value) {
      const snapshot = JSON.parse(JSON.stringify(value)) as unknown;
      const next = chain.then(() => writeJsonFileAtomic(file, snapshot));
      chain = next.catch((error: unknown) => {
        console.error(`json-store: could not write ${file}`, error);
      });
      return next;
    },
    flush() {
      return chain;
    },
  };
}
