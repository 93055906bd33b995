import { ensureConsoleBuilt } from '../../packages/console/build';

/**
 * Vitest global setup of the projects that serve or deploy the console: builds it once
 * (when its sources changed), before any local cloud starts, so the clouds the tests start
 * in parallel never build it themselves at the same time.
 */
export default async function setup(): Promise<void> {
  await ensureConsoleBuilt({ log: (line) => process.stdout.write(`${line}\n`) });
}
