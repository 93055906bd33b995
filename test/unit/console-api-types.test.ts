import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { schemaFile, schemaSource } from '../../packages/console/scripts/api-types';

describe('the console’s API types', () => {
  it('are the ones the OpenAPI document of the routes generates (npm run api-types -w @leadrelay/console)', async () => {
    const committed = await readFile(schemaFile, 'utf8');
    const generated = await schemaSource();
    expect(generated.includes("'/v1/leads'") || generated.includes('"/v1/leads"')).toBe(true);
    expect(
      committed === generated,
      'src/api/schema.d.ts is stale: run npm run api-types -w @leadrelay/console',
    ).toBe(true);
  });
});
