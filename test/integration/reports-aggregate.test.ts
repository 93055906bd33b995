import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  contributionOf,
  countersOf,
  type Lead,
  REPORT_NAMES,
  type ReportRange,
  type ReportStore,
  Reports,
  shapeReport,
  systemClock,
} from '@leadrelay/core';
import { createDocumentClient, DynamoReportStore, Keys } from '@leadrelay/store';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { aggregateBatch } from '../../functions/aggregate/aggregate';
import { runRebuild } from '../../functions/reports-rebuild/rebuild';
import {
  createTestTable,
  localCredentials,
  localRegion,
  startDynamoDbLocal,
} from '../support/dynamodb-local';
import { testLead } from '../support/leads';
import { seededRandom } from '../support/random';
import {
  addReportTenants,
  allLeads,
  changeSome,
  generateLeads,
  REPORT_PARTNERS,
  readStream,
  writeLeadLives,
} from '../support/report-leads';
import { testTable } from '../support/store';

const silent = { warn: () => {} };
const RANGES: ReportRange[] = [
  { from: '2029-12-01', to: '2030-04-30' },
  { from: '2030-02-10', to: '2030-03-05' },
  { from: '2030-01-20', to: '2030-03-10' },
];
const partnerNames = new Map(REPORT_PARTNERS.map((id) => [id, `Partner ${id}`]));

/**
 * A table for counters alone, fed with another table's records: no stream (nothing reads it,
 * and DynamoDB Local writes a stream table several times slower).
 */
async function counterTable(prefix: string) {
  const endpoint = inject('dynamodbEndpoint');
  const tableName = await createTestTable(endpoint, prefix, { stream: false });
  const client = new DynamoDBClient({ endpoint, region: localRegion, credentials: localCredentials });
  return { client, reports: new DynamoReportStore(createDocumentClient(client), tableName) };
}

/** Every report over every range, from the store's counters. */
async function reportsOf(reports: ReportStore, tenants: Awaited<ReturnType<typeof testTable>>['tenants']) {
  const answers = [];
  for (const range of RANGES) {
    for (const name of REPORT_NAMES) {
      const { cost: _cost, ...report } = await Reports.getReport(
        { reports, tenants, clock: systemClock },
        'S-1',
        name,
        range,
      );
      answers.push(report);
    }
  }
  return answers;
}

/** The same reports recomputed from the leads themselves. */
function expectedReports(leads: readonly Lead[]) {
  const counters = countersOf(leads);
  return RANGES.flatMap((range) =>
    REPORT_NAMES.map((name) => shapeReport(name, range, counters, partnerNames)),
  );
}

/** Feeds records to the consumer in batches of 100, as the event source mapping does; every batch must succeed. */
async function replay(reports: ReportStore, records: readonly DynamoDBRecord[]) {
  const consume = aggregateBatch({ reports }, silent);
  for (let i = 0; i < records.length; i += 100) {
    expect((await consume(records.slice(i, i + 100))).batchItemFailures).toEqual([]);
  }
}

function shuffled<T>(items: readonly T[], rand: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

describe('the aggregate consumer', () => {
  let source: Awaited<ReturnType<typeof testTable>>;
  let records: DynamoDBRecord[];
  let leads: Lead[];

  beforeAll(async () => {
    source = await testTable('reports', { stream: true });
    await addReportTenants(source.tenants);
    const stream = await readStream(source);
    const rand = seededRandom(11);
    await writeLeadLives(source.leads, rand, generateLeads(rand, 300), 4);
    await stream.drain();
    await stream.stop();
    records = [...stream.records];
    leads = await allLeads(source.leads);
  }, 180_000);

  afterAll(() => source?.client.destroy());

  it('captured a stream with every lead and its changes', () => {
    expect(leads).toHaveLength(300);
    const versions = leads.reduce((sum, l) => sum + l.version, 0);
    expect(records).toHaveLength(versions);
    expect(new Set(records.map((r) => r.eventName))).toEqual(new Set(['INSERT', 'MODIFY']));
  });

  it('keeps counters identical to a recomputation from the leads, replayed in order twice', async () => {
    const table = await counterTable('reports-in-order');
    const reports = table.reports;
    await replay(reports, records);
    const expected = expectedReports(leads);
    expect(expected[0]?.totals.count).toBe(300);
    expect(await reportsOf(reports, source.tenants)).toEqual(expected);
    await replay(reports, records);
    expect(await reportsOf(reports, source.tenants)).toEqual(expected);
    table.client.destroy();
  }, 120_000);

  it('keeps them identical replayed shuffled (older versions after newer), twice, each time in another order', async () => {
    const table = await counterTable('reports-shuffled');
    const reports = table.reports;
    const rand = seededRandom(5);
    await replay(reports, shuffled(records, rand));
    const expected = expectedReports(leads);
    expect(await reportsOf(reports, source.tenants)).toEqual(expected);
    await replay(reports, shuffled(records, rand));
    expect(await reportsOf(reports, source.tenants)).toEqual(expected);
    table.client.destroy();
  }, 120_000);

  it('reports a failed record with every record after it, and ends exact once the stream retries from there', async () => {
    const table = await counterTable('reports-partial');
    const real = table.reports;
    const batch = records.slice(0, 100);
    const failing = batch[40]?.dynamodb?.NewImage?.id?.S;
    let failures = 0;
    // The real store, made to fail once on one lead's update (as a throttled or timed-out write would).
    const flaky: ReportStore = {
      readCounters: (s, r) => real.readCounters(s, r),
      startRebuild: (s) => real.startRebuild(s),
      finishRebuild: (s, g) => real.finishRebuild(s, g),
      applyLeads: async (supplierId, updates, generations) => {
        if (failures < 2 && updates.some((u) => u.leadId === failing)) {
          failures += 1;
          throw new Error('injected failure');
        }
        return real.applyLeads(supplierId, updates, generations);
      },
    };
    const response = await aggregateBatch({ reports: flaky }, silent)(batch);
    const firstFailed = batch.findIndex((r) => r.dynamodb?.NewImage?.id?.S === failing);
    expect(response.batchItemFailures).toEqual(
      batch.slice(firstFailed).map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber })),
    );
    // The stream delivers again from the first failure, then the rest of the stream.
    await replay(flaky, records.slice(firstFailed));
    expect(await reportsOf(real, source.tenants)).toEqual(expectedReports(leads));
    table.client.destroy();
  }, 120_000);
});

describe('the reports rebuild', () => {
  it('recomputes corrupted counters from the leads, exactly, while the consumer keeps applying changes', async () => {
    // A DynamoDB Local of its own: late in the project the shared one holds every earlier file's tables,
    // and its transactions on a stream table beside a live consumer took 190-250 s there (15 s alone).
    const dynamo = await startDynamoDbLocal();
    onTestFinished(() => dynamo.stop());
    const table = await testTable('reports-rebuild', { stream: true, endpoint: dynamo.endpoint });
    await addReportTenants(table.tenants);
    const reports = new DynamoReportStore(table.db, table.tableName);
    // The consumer runs live on the table's stream, as in the local cloud.
    const stream = await readStream(table, (event) => aggregateBatch({ reports }, silent)(event.Records));
    const rand = seededRandom(23);
    let leads = await writeLeadLives(table.leads, rand, generateLeads(rand, 120), 3);
    await stream.drain();
    expect(await reportsOf(reports, table.tenants)).toEqual(expectedReports(leads));

    // A bug (or a hand) corrupts a counter: the reports are wrong.
    const someone = leads[0] as Lead;
    const partner = someone.partnerId ?? '-';
    // The day's item and its month's roll-up, so that every range that reads either is off.
    for (const day of [someone.createdAt.slice(0, 10), someone.createdAt.slice(0, 7)]) {
      await table.db.send(
        new UpdateCommand({
          TableName: table.tableName,
          Key: Keys.reportCounter('S-1', 0, day, partner),
          UpdateExpression: 'ADD #n :five',
          ExpressionAttributeNames: { '#n': 'n|m|d|a|c|-|-|-' },
          ExpressionAttributeValues: { ':five': 5 },
        }),
      );
    }
    expect(await reportsOf(reports, table.tenants)).not.toEqual(expectedReports(leads));

    // The rebuild, while leads keep changing and the consumer keeps applying them.
    const [progress, changed] = await Promise.all([
      runRebuild({ reports, leads: table.leads }, { supplierId: 'S-1' }, { settleMs: 0 }),
      (async () => {
        let now = leads;
        for (let round = 0; round < 5; round++) now = await changeSome(table.leads, rand, now, 20);
        return now;
      })(),
    ]);
    leads = changed;
    await stream.drain();
    await stream.stop();
    expect(progress).toMatchObject({ supplierId: 'S-1', generation: 1, cursor: null, leads: leads.length });
    expect(await reportsOf(reports, table.tenants)).toEqual(expectedReports(leads));
    expect((await reports.generations('S-1')).current).toBe(1);
    table.client.destroy();
  }, 300_000);

  it('pauses when asked and goes on with the same generation', async () => {
    const table = await testTable('reports-resume');
    await addReportTenants(table.tenants);
    const reports = new DynamoReportStore(table.db, table.tableName);
    const rand = seededRandom(3);
    const leads = await writeLeadLives(table.leads, rand, generateLeads(rand, 250), 2);
    const first = await runRebuild(
      { reports, leads: table.leads },
      { supplierId: 'S-1' },
      {
        settleMs: 0,
        pause: () => true,
      },
    );
    expect(first).toMatchObject({ generation: 1, leads: 100 });
    expect(first.cursor).not.toBeNull();
    // Not current yet: reports still read generation 0 (empty here, no consumer ran).
    expect((await reports.generations('S-1')).current).toBe(0);
    const rest = await runRebuild(
      { reports, leads: table.leads },
      { supplierId: 'S-1', generation: first.generation, cursor: first.cursor },
      { settleMs: 0 },
    );
    expect(rest).toMatchObject({ generation: 1, cursor: null, leads: 150 });
    expect(await reportsOf(reports, table.tenants)).toEqual(expectedReports(leads));
    table.client.destroy();
  }, 120_000);
});

describe('the report store', () => {
  it('takes the newest of a lead’s states given twice in one call, and a removal takes the lead out', async () => {
    const table = await counterTable('reports-store');
    const v1 = testLead({ id: 'L-9', version: 1 });
    const v2 = testLead({ id: 'L-9', version: 2, distributionStatus: 'Accepted' });
    const outcome = await table.reports.applyLeads('S-1', [
      { leadId: 'L-9', version: 2, contribution: contributionOf(v2) },
      { leadId: 'L-9', version: 1, contribution: contributionOf(v1) },
    ]);
    expect(outcome).toEqual({ applied: 1, skipped: 1 });
    const range = { from: '2030-01-01', to: '2030-01-01' };
    const read = async () =>
      shapeReport('distribution-summary', range, (await table.reports.readCounters('S-1', range)).items);
    expect((await read()).rows).toMatchObject([{ distributionStatus: 'Accepted', count: 1 }]);
    await table.reports.applyLeads('S-1', [
      { leadId: 'L-9', version: Reports.REMOVED_VERSION, contribution: undefined },
    ]);
    expect((await read()).rows).toEqual([]);
    table.client.destroy();
  });
});
