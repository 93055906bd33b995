import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigSchemas, EnvName } from '@leadrelay/aws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { functionNames, functionSpecs } from '../../functions/registry';
import { repoRoot } from '../../infra/constructs/functions';

/**
 * Handlers parse their configuration at module scope, so importing one needs a
 * plausible environment: every setting the handlers read, local flavour (the
 * operator key itself, not a secret ARN, so nothing calls AWS).
 */
const stubEnvironment: Record<string, string> = {
  AWS_REGION: 'us-east-1',
  [EnvName.tableName]: 'lead-relay-test',
  [EnvName.bucketName]: 'lead-relay-test-inbox',
  [EnvName.s3ForcePathStyle]: 'true',
  [EnvName.sesConfigurationSet]: 'lead-relay-test',
  [EnvName.mailFrom]: 'leads@example.com',
  [EnvName.scheduleGroup]: 'lead-relay-test',
  [EnvName.schedulerRoleArn]: 'arn:aws:iam::000000000000:role/lead-relay-test-scheduler',
  [EnvName.rerouteFunctionArn]: 'arn:aws:lambda:us-east-1:000000000000:function:lead-relay-test-reroute',
  [EnvName.deadlineDeadLetterArn]: 'arn:aws:sqs:us-east-1:000000000000:lead-relay-test-deadline-dead-letters',
  [EnvName.operatorKey]: 'operator-key-for-tests-only',
  [EnvName.linkKeys]: JSON.stringify({ current: 'k1', k1: 'link-key-for-tests-only-0123456789' }),
  [EnvName.publicUrl]: 'http://localhost:3000/',
  [EnvName.ingestFunctionName]: 'arn:aws:lambda:us-east-1:000000000000:function:lead-relay-test-ingest',
  [EnvName.exportFunctionName]: 'arn:aws:lambda:us-east-1:000000000000:function:lead-relay-test-export',
};

beforeAll(() => {
  for (const [name, value] of Object.entries(stubEnvironment)) vi.stubEnv(name, value);
});
afterAll(() => {
  vi.unstubAllEnvs();
});

describe('the function registry', () => {
  it('names every function once, each with a spec', () => {
    expect(new Set(functionNames).size).toBe(functionNames.length);
    expect(Object.keys(functionSpecs).sort()).toEqual([...functionNames].sort());
  });

  it('has a config schema for every function, and the stub environment satisfies each', () => {
    expect(Object.keys(ConfigSchemas).sort()).toEqual([...functionNames].sort());
    for (const name of functionNames) {
      const result = ConfigSchemas[name].safeParse(stubEnvironment);
      expect({ name, issues: result.success ? [] : result.error.issues }).toEqual({ name, issues: [] });
    }
  });

  it.each(functionNames)('points %s at a handler file that exists', (name) => {
    expect(existsSync(join(repoRoot, functionSpecs[name].entry))).toBe(true);
  });

  it.each(functionNames)('finds an exported handler function in the %s entry', async (name) => {
    const module = (await import(pathToFileURL(join(repoRoot, functionSpecs[name].entry)).href)) as {
      handler?: unknown;
    };
    expect(typeof module.handler).toBe('function');
  });
});
