/**
 * Partner leads and registration on DynamoDB Local, through the API as a partner calls it
 * (testApi: the real routes, stores and table):
 *
 * - write units of each step a partner lead takes (capacityMeter: the table's and every
 *   GSI's), beside a supplier's lead created for reference;
 * - the supplier's views beside a partner who keeps many leads of its own: N supplier
 *   leads (the views fixture, its partner leads as registration leaves them) and
 *   OWN_LEADS more unregistered leads of partner P01, all newer
 *   than any supplier lead (the worst case for a view that had to read past them), page
 *   one of 50: items read / returned for the supplier (partnerId=P01, sort=updated, none)
 *   and for the partner's own key (its list, its unregistered leads, sort=updated);
 * - apply (POST /v1/partner/registration-rules/apply) over APPLY_LEADS unregistered
 *   leads of which rules match half: leads registered per second, write units per lead,
 *   the calls it took.
 *
 * Printed, never asserted. Run alone: `npx tsx test/bench/registration.ts`.
 */
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type Lead, LeadListQuery, leadFilter, newId } from '@leadrelay/core';
import { createDocumentClient, DynamoLeadStore, DynamoRulesStore, DynamoTenantStore } from '@leadrelay/store';
import { callApiOk, testApi } from '../support/api';
import {
  createTestTable,
  localCredentials,
  localRegion,
  startDynamoDbLocal,
} from '../support/dynamodb-local';
import { groupPartners, VIEW_NOW, viewLeads, viewPartners } from '../support/view-leads';
import { capacityMeter, readMeter, type Units } from './meters';
import { load } from './views';

const OPERATOR_KEY = 'operator-key-for-the-registration-bench-1';
export const REGISTRATION_VIEW_LEADS = Number(process.env.BENCH_REGISTRATION_VIEW_LEADS ?? 20_000);
export const OWN_LEADS = Number(process.env.BENCH_OWN_LEADS ?? 5_000);
export const APPLY_LEADS = Number(process.env.BENCH_APPLY_LEADS ?? 1_000);
const PAGE = 50;

export interface RegistrationStep extends Units {
  step: string;
}

export interface RegistrationViewCase {
  who: 'supplier' | 'partner';
  name: string;
  returned: number;
  read: number;
  queries: number;
}

export interface RegistrationBench {
  steps: RegistrationStep[];
  views: { leads: number; ownLeads: number; cases: RegistrationViewCase[] };
  apply: { leads: number; registered: number; seconds: number; writeUnits: number; calls: number };
}

export async function benchRegistration(endpoint: string): Promise<RegistrationBench> {
  const tableName = await createTestTable(endpoint, 'bench-registration', { stream: false });
  const client = new DynamoDBClient({ endpoint, region: localRegion, credentials: localCredentials });
  const capacity = capacityMeter(client);
  const reads = readMeter(client);
  const db = createDocumentClient(client);
  const leads = new DynamoLeadStore(db, tableName);
  const api = testApi(
    { tenants: new DynamoTenantStore(db, tableName), leads, rules: new DynamoRulesStore(db, tableName) },
    OPERATOR_KEY,
  );
  const call = (method: string, target: string, key: string, body?: unknown) =>
    callApiOk(api, method, target, key, body);
  try {
    const supplier = await call('POST', '/v1/admin/suppliers', OPERATOR_KEY, { name: 'Bench Supplier' });
    const partner = async (name: string) => {
      const body = await call('POST', '/v1/partners', supplier.apiKey, {
        name,
        leadOwners: [{ email: `owner@${name.toLowerCase()}.example` }],
      });
      return { id: body.partner.id as string, key: body.apiKey as string };
    };
    const north = await partner('North');
    const south = await partner('South');
    const person = (tag: string) => ({
      email: `${tag}-${crypto.randomUUID()}@buyer.example`,
      firstName: 'Ada',
      lastName: 'Lovelace',
      company: 'Analytical Engines Ltd',
      title: 'Head of IT',
    });

    // 1. Write units, step by step.
    const steps: RegistrationStep[] = [];
    const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
      let out: T | undefined;
      steps.push({ step: name, ...(await capacity.measure(async () => (out = await work()))) });
      return out as T;
    };
    await step('supplier lead created (POST /v1/leads, reference)', () =>
      call('POST', '/v1/leads', supplier.apiKey, { ...person('s'), partnerId: north.id }),
    );
    const own = await step('partner lead created, with email (POST /v1/leads)', () =>
      call('POST', '/v1/leads', north.key, person('p')),
    );
    const noEmail = await step('partner lead created, no email', () =>
      call('POST', '/v1/leads', north.key, { firstName: 'Grace', lastName: 'Hopper', phone: '+1 555 0100' }),
    );
    await step('PATCH of an unregistered lead (title)', () =>
      call('PATCH', `/v1/leads/${own.lead.id}`, north.key, { title: 'CTO' }),
    );
    await step('registered by hand (POST /v1/leads/{id}/register)', () =>
      call('POST', `/v1/leads/${own.lead.id}/register`, north.key),
    );
    await step('registered by hand, no email', () =>
      call('POST', `/v1/leads/${noEmail.lead.id}/register`, north.key),
    );
    await step('register again (idempotent: answers the lead)', () =>
      call('POST', `/v1/leads/${own.lead.id}/register`, north.key),
    );
    await step('PATCH of a registered lead (pipelineStatus)', () =>
      call('PATCH', `/v1/leads/${own.lead.id}`, north.key, { pipelineStatus: 'Contacted' }),
    );
    await call('PUT', '/v1/partner/settings', north.key, {
      autoRegistration: {
        mode: 'own',
        groups: [{ name: 'IT', conditions: [{ field: 'title', op: 'contains', value: 'IT' }] }],
      },
    });
    await step('partner lead created and auto-registered (mode own)', () =>
      call('POST', '/v1/leads', north.key, person('auto')),
    );
    const given = await call('POST', '/v1/leads', supplier.apiKey, {
      ...person('given'),
      partnerId: south.id,
    });
    await step('registered, linked to the lead the supplier gave another partner (conflict)', () =>
      call('POST', '/v1/leads', north.key, { ...person('x'), email: given.lead.email }),
    );

    // 2. The supplier's views beside a partner's many own leads.
    const supplierId: string = supplier.supplier.id;
    const fixture = viewLeads(supplierId, REGISTRATION_VIEW_LEADS, 2031, { partnerOwn: true });
    const newest = VIEW_NOW.getTime();
    const owned: Lead[] = viewLeads(supplierId, OWN_LEADS, 2032).map((lead, i) => {
      const at = new Date(newest + (i + 1) * 1_000).toISOString();
      return {
        ...lead,
        id: newId(),
        type: 'registered',
        source: 'API',
        partnerId: 'P01',
        partnerName: 'Partner 01',
        distributionStatus: 'Accepted',
        emailStatus: 'NotSent',
        registration: { status: 'unregistered' },
        createdAt: at,
        updatedAt: at,
      };
    });
    await load(client, tableName, [...fixture, ...owned]);
    const groups = groupPartners(viewPartners());
    const viewCase = async (
      who: 'supplier' | 'partner',
      name: string,
      query: Record<string, string>,
    ): Promise<RegistrationViewCase> => {
      const filter = leadFilter(
        LeadListQuery.parse(query),
        groups,
        who === 'partner' ? { partnerId: 'P01' } : undefined,
      );
      reads.read = 0;
      reads.queries = 0;
      const page = await leads.queryLeads(supplierId, filter, { limit: PAGE });
      return { who, name, returned: page.items.length, read: reads.read, queries: reads.queries };
    };
    const cases = [
      await viewCase('supplier', 'partnerId=P01', { partnerId: 'P01' }),
      await viewCase('supplier', 'partnerId=P01, sort=updated', { partnerId: 'P01', sort: 'updated' }),
      await viewCase('supplier', 'sort=updated', { sort: 'updated' }),
      await viewCase('supplier', 'none (newest first)', {}),
      await viewCase('partner', 'its leads (newest first)', {}),
      await viewCase('partner', 'registration=unregistered', { registration: 'unregistered' }),
      await viewCase('partner', 'registration=registered', { registration: 'registered' }),
      await viewCase('partner', 'sort=updated', { sort: 'updated' }),
    ];

    // 3. Apply over a partner's unregistered leads, rules matching half of them.
    const west = await partner('West');
    for (let i = 0; i < APPLY_LEADS; i += 100) {
      const batch = Array.from({ length: Math.min(100, APPLY_LEADS - i) }, (_, j) => ({
        ...person(`apply-${i + j}`),
        title: (i + j) % 2 === 0 ? 'Head of IT' : 'Buyer',
      }));
      await call('POST', '/v1/leads/batch', west.key, { leads: batch });
    }
    const draft = {
      autoRegistration: {
        mode: 'own',
        groups: [{ name: 'IT', conditions: [{ field: 'title', op: 'contains', value: 'IT' }] }],
      },
    };
    let registered = 0;
    let applyCalls = 0;
    const started = performance.now();
    const applied = await capacity.measure(async () => {
      let cursor: string | null | undefined;
      do {
        const page = await call(
          'POST',
          `/v1/partner/registration-rules/apply?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
          west.key,
          draft,
        );
        applyCalls++;
        registered += page.items.filter((item: { outcome: string }) => item.outcome === 'registered').length;
        cursor = page.nextCursor;
      } while (cursor);
    });
    const seconds = (performance.now() - started) / 1000;
    return {
      steps,
      views: { leads: REGISTRATION_VIEW_LEADS, ownLeads: OWN_LEADS, cases },
      apply: { leads: APPLY_LEADS, registered, seconds, writeUnits: applied.writeUnits, calls: applyCalls },
    };
  } finally {
    client.destroy();
  }
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/** The bench's figures as lines of Markdown (tables and notes). */
export function describeRegistration(result: RegistrationBench): string[] {
  const { views, apply } = result;
  const perLead = apply.registered === 0 ? 0 : apply.writeUnits / apply.registered;
  return [
    '| step | write units | read units | DynamoDB calls |',
    '|---|---:|---:|---:|',
    ...result.steps.map((s) => `| ${s.step} | ${fmt(s.writeUnits)} | ${fmt(s.readUnits)} | ${s.calls} |`),
    '',
    `views: ${views.leads.toLocaleString('en-US')} supplier leads and ${views.ownLeads.toLocaleString('en-US')} ` +
      'unregistered leads of P01, all newer; page one of 50',
    '',
    '| key | view | returned | items read | read / returned | queries |',
    '|---|---|---:|---:|---:|---:|',
    ...views.cases.map(
      (c) =>
        `| ${c.who} | ${c.name} | ${c.returned} | ${c.read} | ${c.returned === 0 ? 'n/a' : (c.read / c.returned).toFixed(2)} | ${c.queries} |`,
    ),
    '',
    `apply: ${apply.registered.toLocaleString('en-US')} of ${apply.leads.toLocaleString('en-US')} unregistered leads ` +
      `registered in ${apply.seconds.toFixed(1)} s (${(apply.registered / apply.seconds).toFixed(0)} leads/s), ` +
      `${apply.calls} calls of 100, ${fmt(perLead)} write units per lead registered`,
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dynamo = await startDynamoDbLocal();
  try {
    for (const line of describeRegistration(await benchRegistration(dynamo.endpoint))) console.log(line);
  } finally {
    await dynamo.stop();
  }
}
