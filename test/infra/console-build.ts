import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'vite';
import { consoleDist } from '../../infra/constructs/console';
import { repoRoot } from '../../infra/constructs/functions';

/**
 * The stack deploys the built console (packages/console/dist), so synth needs it: builds it
 * once with Vite's own config when it is missing. A build that is there is used as it is
 * (the infra tests read the stack, not the console's code).
 */
export async function ensureConsoleBuilt(): Promise<void> {
  if (existsSync(join(consoleDist, 'index.html'))) return;
  const root = join(repoRoot, 'packages', 'console');
  await build({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'warn' });
}
