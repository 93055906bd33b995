/**
 * Write units per lead, on DynamoDB Local (which reports consumed capacity): every
 * DynamoDB call of one lead's life is sent with `ReturnConsumedCapacity: INDEXES`
 * and its capacity summed, the table's and every GSI's (DynamoDB Local's TOTAL
 * leaves the indexes out, where AWS's includes them: measured, a 3 KB put on a
 * table with three GSIs of ALL projection answers 3 units under TOTAL, 12 under
 * INDEXES), writes (PutItem, UpdateItem, DeleteItem,
 * TransactWriteItems, BatchWriteItem) apart from reads. The life, as the real
 * paths run it: created (`POST /v1/leads`, routed to a partner), the notify marker
 * (recordNotification, what `distribute` writes after sending), the SES events
 * Send, Delivery, Open, Click (applyEmailEvent, what `email-events` runs), accepted
 * (`POST /v1/leads/{id}/accept`), a pipeline change (`PATCH /v1/leads/{id}`).
 *
 * Two lives: the plain one (one Open, one Click), and one whose email is opened
 * many times (the tracking pixel loads on every view) before the partner accepts:
 * what each further Open costs, and what the accept costs after them. A
 * transactional write costs twice a plain one (DynamoDB's pricing; DynamoDB Local
 * reports it so). Figures are printed, never asserted.
 * Run alone: `npx tsx test/bench/write-units.ts`.
 */
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  applyEmailEvent,
  changeLead,
  type Lead,
  NOTIFICATION_TAGS,
  notificationDue,
  parseSesEvent,
  recordNotification,
} from '@leadrelay/core';
import { createDocumentClient, DynamoLeadStore, DynamoRulesStore, DynamoTenantStore } from '@leadrelay/store';
import { callApiOk, testApi } from '../support/api';
import {
  createTestTable,
  localCredentials,
  localRegion,
  startDynamoDbLocal,
} from '../support/dynamodb-local';
import { capacityMeter, type Units } from './meters';

const OPERATOR_KEY = 'operator-key-for-the-write-units-bench-01';
/** Opens of the many-opens life (after its first Open). */
export const MANY_OPENS = Number(process.env.BENCH_MANY_OPENS ?? 200);

export interface Step extends Units {
  step: string;
}

export interface WriteUnitsResult {
  plain: Step[];
  manyOpens: Step[];
  opens: number;
  /** The lead item's size (bytes, JSON of its attributes) at the end of each life. */
  plainItemBytes: number;
  manyOpensItemBytes: number;
}

/** `indexes`: only the table's first GSIs (3: the table before the All Leads view's five). */
export async function benchWriteUnits(
  endpoint: string,
  options: { indexes?: number } = {},
): Promise<WriteUnitsResult> {
  const tableName = await createTestTable(
    endpoint,
    'write-units',
    options.indexes === undefined ? {} : { indexes: options.indexes },
  );
  const client = new DynamoDBClient({ endpoint, region: localRegion, credentials: localCredentials });
  const meter = capacityMeter(client);
  const db = createDocumentClient(client);
  const leads = new DynamoLeadStore(db, tableName);
  const table = {
    tenants: new DynamoTenantStore(db, tableName),
    leads,
    rules: new DynamoRulesStore(db, tableName),
  };
  const api = testApi(table, OPERATOR_KEY);
  const call = (method: string, path: string, key: string, body?: unknown) =>
    callApiOk(api, method, path, key, body);
  const supplier = await call('POST', '/v1/admin/suppliers', OPERATOR_KEY, { name: 'Bench Supplier' });
  const partner = await call('POST', '/v1/partners', supplier.apiKey, {
    name: 'Bench Partner',
    leadOwners: [{ email: 'owner@partner.example' }],
  });
  const deps = { leads, tenants: table.tenants, clock: { now: () => new Date() } };

  async function measured(steps: Step[], step: string, work: () => Promise<unknown>): Promise<void> {
    steps.push({ step, ...(await meter.measure(work)) });
  }

  async function current(id: string): Promise<Lead> {
    const lead = await leads.getLead(id);
    if (!lead) throw new Error(`no lead ${id}`);
    return lead;
  }

  async function life(opens: number): Promise<{ steps: Step[]; itemBytes: number }> {
    const steps: Step[] = [];
    let id = '';
    await measured(steps, 'created (POST /v1/leads)', async () => {
      const body = await call('POST', '/v1/leads', supplier.apiKey, {
        email: `${crypto.randomUUID()}@buyer.example`,
        firstName: 'Ada',
        lastName: 'Lovelace',
        company: 'Analytical Engines Ltd',
        partnerId: partner.partner.id,
      });
      id = body.lead.id;
    });
    const messageId = `bench-${crypto.randomUUID()}`;
    await measured(steps, 'notify marker (distribute)', async () => {
      const outcome = await changeLead(leads, id, (lead) => {
        const due = notificationDue(lead);
        if (!due) throw new Error('the lead is owed no email');
        return recordNotification(lead, {
          due,
          to: 'owner@partner.example',
          messageId,
          deadline: new Date(Date.now() + 48 * 3_600_000),
          now: new Date(),
        });
      });
      if (!('changed' in outcome) || !outcome.changed) throw new Error('the notify marker was not written');
    });
    const lead = await current(id);
    const event = (eventType: string, part: Record<string, unknown>) =>
      parseSesEvent({
        eventType,
        mail: {
          messageId,
          timestamp: new Date().toISOString(),
          tags: {
            [NOTIFICATION_TAGS.leadId]: [id],
            [NOTIFICATION_TAGS.assignmentVersion]: [String(lead.assignmentVersion)],
            [NOTIFICATION_TAGS.attempt]: ['0'],
            [NOTIFICATION_TAGS.kind]: ['decide'],
          },
        },
        [eventType.charAt(0).toLowerCase() + eventType.slice(1)]: part,
      });
    // Distinct events: each has its own timestamp (SES's identity of an event is message, type, time).
    let tick = Date.now();
    const stamp = () => new Date(++tick).toISOString();
    for (const type of ['Send', 'Delivery', 'Open', 'Click']) {
      await measured(steps, `email ${type}`, async () => {
        const outcome = await applyEmailEvent(deps, event(type, { timestamp: stamp() }));
        if (outcome !== 'applied') throw new Error(`${type}: ${outcome}`);
      });
    }
    if (opens > 0) {
      await measured(steps, `${opens} more Opens (all of them)`, async () => {
        for (let i = 0; i < opens; i++) {
          const outcome = await applyEmailEvent(deps, event('Open', { timestamp: stamp() }));
          if (outcome !== 'applied' && outcome !== 'seen-before') throw new Error(`Open: ${outcome}`);
        }
      });
    }
    await measured(steps, 'accepted (POST /v1/leads/{id}/accept)', () =>
      call('POST', `/v1/leads/${id}/accept`, partner.apiKey),
    );
    await measured(steps, 'pipeline Contacted (PATCH /v1/leads/{id})', () =>
      call('PATCH', `/v1/leads/${id}`, partner.apiKey, { pipelineStatus: 'Contacted' }),
    );
    const item = await current(id);
    return { steps, itemBytes: Buffer.byteLength(JSON.stringify(item)) };
  }

  try {
    const plain = await life(0);
    const many = await life(MANY_OPENS);
    return {
      plain: plain.steps,
      manyOpens: many.steps,
      opens: MANY_OPENS,
      plainItemBytes: plain.itemBytes,
      manyOpensItemBytes: many.itemBytes,
    };
  } finally {
    client.destroy();
  }
}

export function writeUnitsTable(result: WriteUnitsResult): { header: string[]; rows: string[][] } {
  const total = (steps: Step[]) => steps.reduce((sum, s) => sum + s.writeUnits, 0);
  const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));
  const rows = (life: string, steps: Step[]) => [
    ...steps.map((s) => [life, s.step, fmt(s.writeUnits), fmt(s.readUnits), String(s.calls)]),
    [life, '**total over the life**', `**${fmt(total(steps))}**`, '', ''],
  ];
  return {
    header: ['life', 'step', 'write units', 'read units', 'DynamoDB calls'],
    rows: [...rows('plain', result.plain), ...rows(`${result.opens + 1} opens`, result.manyOpens)],
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dynamo = await startDynamoDbLocal();
  try {
    const result = await benchWriteUnits(dynamo.endpoint);
    const { header, rows } = writeUnitsTable(result);
    console.log(`| ${header.join(' | ')} |`);
    console.log(`|${header.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`);
    for (const row of rows) console.log(`| ${row.join(' | ')} |`);
    console.log(
      `\nlead item at the end: ${result.plainItemBytes} bytes (plain), ${result.manyOpensItemBytes} bytes (${result.opens + 1} opens)`,
    );
  } finally {
    await dynamo.stop();
  }
}
