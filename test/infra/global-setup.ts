import { ensureConsoleBuilt } from './console-build';

/** Once per run of the infra tests, before any synth. */
export default async function setup(): Promise<void> {
  await ensureConsoleBuilt();
}
