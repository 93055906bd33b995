/**
 * Builds the console when its sources changed since the last build: `npm start` calls it
 * before serving (a few seconds, only when needed), and the test suite's global setup once.
 * The build's inputs are hashed into `dist/.source-hash`; a build goes to a fresh folder
 * that replaces `dist` only when it is complete, so a reader never sees half a console.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const consoleRoot = fileURLToPath(new URL('.', import.meta.url));
export const consoleDist = join(consoleRoot, 'dist');
const HASH_FILE = '.source-hash';
const INPUTS = ['src', 'index.html', 'vite.config.ts', 'package.json'];

async function filesUnder(path: string): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true }).catch(() => undefined);
  if (!entries) return [path];
  const nested = await Promise.all(
    entries.map((e) => (e.isDirectory() ? filesUnder(join(path, e.name)) : [join(path, e.name)])),
  );
  return nested.flat();
}

/** The hash of everything the build reads from this package (the dependencies come with the lock file). */
export async function sourceHash(): Promise<string> {
  const hash = createHash('sha256');
  const files = (await Promise.all(INPUTS.map((p) => filesUnder(join(consoleRoot, p))))).flat().sort();
  for (const file of files) {
    hash.update(relative(consoleRoot, file));
    hash.update('\0');
    hash.update(await readFile(file));
    hash.update('\0');
  }
  return hash.digest('hex');
}

export async function isBuilt(): Promise<boolean> {
  const built = await readFile(join(consoleDist, HASH_FILE), 'utf8').catch(() => '');
  return built !== '' && built === (await sourceHash());
}

/** Builds unless up to date; answers whether it built. */
export async function ensureConsoleBuilt(options: { log?: (line: string) => void } = {}): Promise<boolean> {
  if (await isBuilt()) return false;
  options.log?.('Building the console (its sources changed)…');
  const hash = await sourceHash();
  const outDir = `${consoleDist}.build-${process.pid}`;
  const { build } = await import('vite');
  await build({
    configFile: join(consoleRoot, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  await writeFile(join(outDir, HASH_FILE), hash);
  const old = `${consoleDist}.old-${process.pid}`;
  await rename(consoleDist, old).catch(() => undefined);
  await rename(outDir, consoleDist);
  await rm(old, { recursive: true, force: true });
  return true;
}
