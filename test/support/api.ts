import { type RulesStore, systemClock } from '@leadrelay/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type ApiDeps, createApi } from '../../functions/api/app';
import { testLinkKeys } from './link-keys';
import type { testTable } from './store';

export type TestApi = ReturnType<typeof createApi>;

const silent = { info: () => {}, warn: () => {}, error: () => {} };
export type ApiLogger = typeof silent;

/**
 * The API over a test table, as the api handler wires it: the system clock, the
 * given operator key, the test link keys and a silent logger; `extra` adds
 * (idempotency, uploads) or replaces deps; `logger` captures the request log.
 */
export function testApi(
  table: Pick<Awaited<ReturnType<typeof testTable>>, 'tenants' | 'leads'> & { rules: RulesStore },
  operatorKey: string,
  extra: Partial<ApiDeps> = {},
  logger: ApiLogger = silent,
): TestApi {
  return createApi(
    {
      store: table.tenants,
      leads: table.leads,
      rules: table.rules,
      clock: systemClock,
      operatorKey: async () => operatorKey,
      linkKeys: async () => testLinkKeys,
      ...extra,
    },
    logger,
  );
}

/** A JSON answer, checked field by field. */
export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
  body: any;
}

/** The API's answer to one event, its body parsed. */
export async function answer(api: TestApi, event: APIGatewayProxyEventV2): Promise<Answer> {
  const res = await api.handle(event);
  return { status: res.statusCode ?? 0, body: res.body ? JSON.parse(res.body) : undefined };
}
