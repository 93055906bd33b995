import { beforeAll, describe, expect, it } from 'vitest';
import { powertoolsIdempotency } from '../../functions/api/idempotency';
import { answer, type TestApi, testApi } from '../support/api';
import { apiEvent } from '../support/events';
import { testTable } from '../support/store';

const OPERATOR_KEY = 'operator-key-for-tests-malformed-0123456789';
let api: TestApi;
let supplierKey: string;

beforeAll(async () => {
  const table = await testTable('malformed');
  api = testApi(table, OPERATOR_KEY, { idempotency: powertoolsIdempotency(table.client, table.tableName) });
  const created = await answer(
    api,
    apiEvent({ method: 'POST', path: '/v1/admin/suppliers', key: OPERATOR_KEY, body: { name: 'Acme' } }),
  );
  supplierKey = created.body.apiKey;
});

const errorShape = (code: string) => ({
  error: { code, message: expect.any(String), details: expect.any(Array) },
});

describe('malformed requests get a 4xx in the error shape', () => {
  it('a damaged %-escape in the path is a 400 naming the parameter, with or without a key', async () => {
    for (const key of [undefined, supplierKey]) {
      const res = await answer(
        api,
        apiEvent({ method: 'GET', path: '/v1/leads/%E0', ...(key ? { key } : {}) }),
      );
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject(errorShape('validation_failed'));
      expect(res.body.error.details).toContainEqual({ path: 'path.id', message: expect.any(String) });
    }
  });

  it('an id over 64 characters is a 400 naming the parameter', async () => {
    const res = await answer(
      api,
      apiEvent({ method: 'GET', path: `/v1/partners/${'A'.repeat(65)}`, key: supplierKey }),
    );
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject(errorShape('validation_failed'));
    expect(res.body.error.details[0]).toEqual({ path: 'path.id', message: 'must be at most 64 characters' });
  });

  it('a deeply nested body with an Idempotency-Key is a 400, and a body just inside the limit is not refused for depth', async () => {
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const event = apiEvent({
      method: 'POST',
      path: '/v1/partners',
      key: supplierKey,
      rawBody: `{"name":${deep}}`,
    });
    event.headers['idempotency-key'] = 'deep-1';
    const res = await answer(api, event);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject(errorShape('invalid_json'));

    // 32 levels (the cap) passes the depth check and fails validation on the field instead.
    const atCap = `{"name":${'['.repeat(31)}${']'.repeat(31)}}`;
    const ok = apiEvent({ method: 'POST', path: '/v1/partners', key: supplierKey, rawBody: atCap });
    ok.headers['idempotency-key'] = 'deep-2';
    const validated = await answer(api, ok);
    expect(validated.status).toBe(400);
    expect(validated.body.error.code).toBe('validation_failed');
    expect(validated.body.error.details[0].path).toBe('name');
  });

  it('brackets inside strings do not count as nesting', async () => {
    const res = await answer(
      api,
      apiEvent({
        method: 'POST',
        path: '/v1/partners',
        key: supplierKey,
        body: { name: `Brackets ${'[{'.repeat(40)} \\" ${'['.repeat(40)}` },
      }),
    );
    expect(res.status).toBe(201);
  });
});
