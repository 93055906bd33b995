import { signLinkToken } from '@leadrelay/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { summarize } from '../../packages/local/src/lambda';
import { type ApiLogger, type TestApi, testApi } from '../support/api';
import { apiEvent } from '../support/events';
import { testLinkKeys } from '../support/link-keys';
import { testTable } from '../support/store';

const lines: unknown[][] = [];
const capture: ApiLogger = {
  info: (...args: unknown[]) => lines.push(['info', ...args]),
  warn: (...args: unknown[]) => lines.push(['warn', ...args]),
  error: (...args: unknown[]) => lines.push(['error', ...args]),
};
let api: TestApi;

beforeAll(async () => {
  const table = await testTable('logs');
  api = testApi(table, 'operator-key-for-tests-logs-0123456789', {}, capture);
});

// A well-formed, validly signed token (for a lead that does not exist): the page is a 404, the log must still not hold it.
const token = signLinkToken(
  {
    leadId: '01JZZZZZZZZZZZZZZZZZZZZZZZ',
    partnerId: '01JYYYYYYYYYYYYYYYYYYYYYYY',
    assignmentVersion: 1,
    action: 'accept',
    expiresAt: new Date(Date.now() + 86_400_000),
  },
  testLinkKeys,
);

describe('link tokens stay out of the logs', () => {
  it('the request log names /l/{token}, never the token, for GET, POST and a trailing slash', async () => {
    for (const [method, path] of [
      ['GET', `/l/${token}`],
      ['POST', `/l/${token}`],
      ['GET', `/l/${token}/`],
      ['GET', '/l/not%E0-a-token'],
    ] as const) {
      lines.length = 0;
      const res = await api.handle(apiEvent({ method, path }));
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      const logged = JSON.stringify(lines);
      expect(lines).toContainEqual([
        'info',
        'request',
        expect.objectContaining({ method, status: res.statusCode }),
      ]);
      expect(logged).toContain('/l/{token}');
      expect(logged).not.toContain(token);
      expect(logged).not.toContain('not%E0');
    }
  });

  it('other paths are logged as they are', async () => {
    lines.length = 0;
    await api.handle(apiEvent({ method: 'GET', path: '/v1/leads/01JX' }));
    expect(lines).toContainEqual([
      'info',
      'request',
      expect.objectContaining({ path: '/v1/leads/01JX', status: 401 }),
    ]);
  });

  it("the local cloud's invocation log line redacts the token too", () => {
    const line = summarize(apiEvent({ method: 'GET', path: `/l/${token}` }), { statusCode: 404 });
    expect(line).toBe('GET /l/{token} → 404');
  });
});
