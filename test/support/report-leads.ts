import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DistributionStatus,
  EmailStatus,
  type Lead,
  type LeadSource,
  type LeadStore,
  PipelineStatus,
  type TenantStore,
} from '@leadrelay/core';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { startStreamPoller } from '../../packages/local/src/stream-poller';
import { localCredentials, localRegion } from './dynamodb-local';
import { testLead } from './leads';
import { addTestPartner, addTestSupplier, testPartner } from './tenant-fixtures';

/**
 * Leads for the report tests and the reports bench: spread over days, partners, sources,
 * types, statuses, pipeline statuses and currencies, then moved through lifecycle
 * changes written with the real lead store (each a stream record).
 */

export const REPORT_PARTNERS = ['P-1', 'P-2', 'P-3', 'P-4', 'P-5', 'P-6'];
const SOURCES: LeadSource[] = ['API', 'CSV Upload', 'Manual', 'Locator', 'Integration'];
const CURRENCIES = ['EUR', 'USD', 'GBP'];
const REASONS = ['Out of area', 'Duplicate', 'Not a fit | too small', 'No budget'];

const pick = <T>(rand: () => number, values: readonly T[]): T =>
  values[Math.floor(rand() * values.length)] as T;

/** Supplier S-1 and its partners (names for the partnerName column). */
export async function addReportTenants(tenants: TenantStore, partners = REPORT_PARTNERS): Promise<void> {
  await addTestSupplier(tenants);
  for (const id of partners) await addTestPartner(tenants, testPartner(id, { name: `Partner ${id}` }));
}

/** `count` new leads of S-1 created over `days` days from 2030-01-01, ids `<prefix>-<n>`. */
export function generateLeads(
  rand: () => number,
  count: number,
  options: { days?: number; partners?: readonly string[]; prefix?: string } = {},
): Lead[] {
  const days = options.days ?? 90;
  const partners = options.partners ?? REPORT_PARTNERS;
  return Array.from({ length: count }, (_, i) => {
    const createdAt = new Date(Date.UTC(2030, 0, 1) + Math.floor(rand() * days * 86_400_000)).toISOString();
    const registered = rand() < 0.15;
    const partnerId = registered || rand() < 0.85 ? pick(rand, partners) : null;
    return testLead({
      id: `${options.prefix ?? 'L'}-${String(i).padStart(6, '0')}`,
      type: registered ? 'registered' : 'distributed',
      source: registered
        ? pick(rand, ['Partner Registered', 'Auto Registered'] as const)
        : pick(rand, SOURCES),
      partnerId,
      partnerName: partnerId ? `Partner ${partnerId}` : null,
      distributionStatus: registered ? 'Accepted' : partnerId ? 'Pending' : 'Unassigned',
      emailStatus: partnerId && !registered ? 'Sent' : 'NotSent',
      createdAt,
      updatedAt: createdAt,
      distributionStatusChangedAt: createdAt,
      version: 1,
    });
  });
}

/** One lifecycle change of a lead (its next version), or undefined for none. */
export function nextVersion(rand: () => number, lead: Lead, partners = REPORT_PARTNERS): Lead {
  const bump = {
    version: lead.version + 1,
    updatedAt: new Date(Date.parse(lead.updatedAt) + 60_000).toISOString(),
  };
  const r = rand();
  if (r < 0.2) return { ...lead, ...bump, emailStatus: pick(rand, EmailStatus.options) };
  if (r < 0.4) {
    const status = pick(rand, DistributionStatus.options);
    return {
      ...lead,
      ...bump,
      distributionStatus: status,
      ...(status === 'Rejected' ? { rejectReason: pick(rand, REASONS) } : { rejectReason: undefined }),
    };
  }
  if (r < 0.55) {
    const partnerId = pick(rand, partners);
    return {
      ...lead,
      ...bump,
      partnerId,
      partnerName: `Partner ${partnerId}`,
      distributionStatus: 'Pending',
    };
  }
  if (r < 0.85) {
    return {
      ...lead,
      ...bump,
      pipelineStatus: pick(rand, PipelineStatus.options),
      opportunityValue:
        rand() < 0.7
          ? { amount: Math.round(rand() * 1_000_000) / 100, currency: pick(rand, CURRENCIES) }
          : undefined,
    };
  }
  // A change reports do not see (a note on the lead): its record changes no counter.
  return { ...lead, ...bump, title: `Title ${Math.floor(rand() * 100)}` };
}

/** Writes the leads (in transactions of 25) and then up to `changes` lifecycle changes each; answers the leads as they end. */
export async function writeLeadLives(
  leads: Pick<LeadStore, 'putNewLeads' | 'replaceLead'>,
  rand: () => number,
  created: readonly Lead[],
  changes = 3,
): Promise<Lead[]> {
  for (let i = 0; i < created.length; i += 25) {
    const result = await leads.putNewLeads(created.slice(i, i + 25), []);
    if (!result.ok) throw new Error('putNewLeads failed');
  }
  return Promise.all(
    created.map(async (lead) => {
      let current = lead;
      for (let n = Math.floor(rand() * (changes + 1)); n > 0; n--) {
        const next = nextVersion(rand, current);
        const written = await leads.replaceLead(current, next, []);
        if (written !== 'ok') throw new Error(`replaceLead: ${written}`);
        current = next;
      }
      return current;
    }),
  );
}

/** Changes `count` of the leads once more each (in parallel); answers every lead as it ends. */
export async function changeSome(
  leads: Pick<LeadStore, 'replaceLead'>,
  rand: () => number,
  all: readonly Lead[],
  count: number,
): Promise<Lead[]> {
  const result = [...all];
  const chosen = new Set<number>();
  while (chosen.size < Math.min(count, all.length)) chosen.add(Math.floor(rand() * all.length));
  await Promise.all(
    [...chosen].map(async (i) => {
      const current = result[i] as Lead;
      const next = nextVersion(rand, current);
      if ((await leads.replaceLead(current, next, [])) !== 'ok') throw new Error('replaceLead failed');
      result[i] = next;
    }),
  );
  return result;
}

/**
 * The table's stream read as the aggregate's event source mapping reads it (the local
 * poller, lead records only), each batch given to `invoke` (default: kept in `records`).
 */
export async function readStream(
  table: { endpoint: string; tableName: string },
  invoke?: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>,
) {
  const dataDir = await mkdtemp(join(tmpdir(), 'report-stream-'));
  const records: DynamoDBRecord[] = [];
  const poller = startStreamPoller({
    endpoint: table.endpoint,
    region: localRegion,
    credentials: localCredentials,
    tableName: table.tableName,
    dataDir,
    pollIntervalMs: 50,
    consumers: [
      {
        name: 'aggregate',
        filter: (record) => record.dynamodb?.NewImage?.entity?.S === 'Lead',
        invoke: async (event) => {
          if (invoke) return invoke(event);
          records.push(...event.Records);
          return undefined;
        },
      },
    ],
  });
  return {
    records,
    // A condition awaited, not a timed check: on a loaded machine the live consumer's
    // transactions on a stream table of DynamoDB Local can take minutes to catch up.
    drain: () => poller.drain(150_000),
    stop: async () => {
      await poller.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Every lead of S-1, through the store's own listing. */
export async function allLeads(leads: Pick<LeadStore, 'listLeads'>, supplierId = 'S-1'): Promise<Lead[]> {
  const found: Lead[] = [];
  let cursor: string | undefined;
  do {
    const page = await leads.listLeads(supplierId, { limit: 500, ...(cursor ? { cursor } : {}) });
    found.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return found;
}
