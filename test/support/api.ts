import { type RulesStore, systemClock } from '@leadrelay/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type ApiDeps, createApi } from '../../functions/api/app';
import { apiEvent } from './events';
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

/**
 * One call to the API: `target` is the path with an optional query string (`/v1/leads?type=registered`),
 * `headers` are added to the event's (If-Match, Idempotency-Key).
 */
export async function callApi(
  api: TestApi,
  method: string,
  target: string,
  key: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const [path = '', search] = target.split('?');
  const query = search ? Object.fromEntries(new URLSearchParams(search)) : undefined;
  const event = apiEvent({
    method,
    path,
    key,
    ...(query ? { query } : {}),
    ...(body === undefined ? {} : { body }),
  });
  return answer(api, { ...event, headers: { ...event.headers, ...headers } });
}

/**
 * A new supplier (created with the operator key) and its partners by name: the supplier's key
 * and id, and each partner's id and key (`partner(name)`).
 */
export async function supplierWithPartners(api: TestApi, operatorKey: string, ...names: string[]) {
  const created = await callApi(api, 'POST', '/v1/admin/suppliers', operatorKey, { name: 'S' });
  const key: string = created.body.apiKey;
  const supplierId: string = created.body.supplier.id;
  const partners: Record<string, { id: string; key: string }> = {};
  for (const name of names) {
    const res = await callApi(api, 'POST', '/v1/partners', key, { name });
    partners[name] = { id: res.body.partner.id, key: res.body.apiKey };
  }
  const partner = (name: string) => partners[name] ?? { id: '', key: '' };
  return { key, supplierId, partner };
}

/** The body of a call that must succeed (a status of 300 or more throws, with the answer). */
export async function callApiOk(
  api: TestApi,
  method: string,
  target: string,
  key: string,
  body?: unknown,
): Promise<Answer['body']> {
  const res = await callApi(api, method, target, key, body);
  if (res.status >= 300) throw new Error(`${method} ${target}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
