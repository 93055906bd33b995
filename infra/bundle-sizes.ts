/**
 * Prints the size of each function's bundle: `npx tsx infra/bundle-sizes.ts`.
 * Synthesizes the app (with the context of cdk.json) into a temporary cloud
 * assembly and measures the asset folder each Lambda's code comes from.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type CfnResource } from 'aws-cdk-lib';
import { functionNames } from '../functions/registry';
import { repoRoot } from './constructs/functions';
import { LeadRelayStack, propsFromContext, stackId } from './stack';

const kib = (bytes: number) => (bytes / 1024).toFixed(1);

const outdir = mkdtempSync(join(tmpdir(), 'lead-relay-bundles-'));
try {
  const { context } = JSON.parse(readFileSync(join(repoRoot, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const app = new App({ outdir, context });
  const stack = new LeadRelayStack(app, stackId, propsFromContext(app));
  const assembly = app.synth();
  const template = JSON.parse(
    readFileSync(join(outdir, assembly.getStackByName(stack.stackName).templateFile), 'utf8'),
  ) as {
    Resources: Record<string, { Properties: { Code?: { S3Key?: string } } }>;
  };

  const rows = functionNames.map((name) => {
    const logicalId = stack.getLogicalId(stack.functions.byName[name].node.defaultChild as CfnResource);
    const s3Key = template.Resources[logicalId]?.Properties.Code?.S3Key;
    if (!s3Key) throw new Error(`${name}: no asset in the template`);
    const assetDir = join(outdir, `asset.${s3Key.replace(/\.zip$/, '')}`);
    const files = readdirSync(assetDir).map((file) => ({ file, bytes: statSync(join(assetDir, file)).size }));
    const code = files.filter((f) => !f.file.endsWith('.map')).reduce((sum, f) => sum + f.bytes, 0);
    const maps = files.filter((f) => f.file.endsWith('.map')).reduce((sum, f) => sum + f.bytes, 0);
    return { name, code, maps };
  });

  const width = Math.max(...functionNames.map((name) => name.length));
  console.log(`${'function'.padEnd(width)}  ${'code KiB'.padStart(9)}  ${'map KiB'.padStart(9)}`);
  for (const { name, code, maps } of rows) {
    console.log(`${name.padEnd(width)}  ${kib(code).padStart(9)}  ${kib(maps).padStart(9)}`);
  }
  const total = rows.reduce((sum, row) => sum + row.code, 0);
  console.log(`${'total'.padEnd(width)}  ${kib(total).padStart(9)}`);
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
