import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    synthDir: string;
  }
}

/**
 * One folder for the cloud assemblies the infra tests synthesize (a bundled one is
 * about 37 MB), removed when the run ends: left to the CDK's defaults, every
 * synthesis would leave a cdk.out folder of its own in the temp folder.
 */
export default function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'leadrelay-synth-'));
  project.provide('synthDir', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
