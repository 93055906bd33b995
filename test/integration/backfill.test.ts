import { PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  compareLeads,
  countersOf,
  type Lead,
  type LeadFilter,
  leadWords,
  matchesFilter,
  REPORT_NAMES,
  type ReportRange,
  Reports,
  shapeReport,
  systemClock,
} from '@leadrelay/core';
import { DynamoReportStore, DynamoSearchStore, leadItem, tableDefinition } from '@leadrelay/store';
import { beforeAll, describe, expect, it } from 'vitest';
import { backfillSupplier } from '../../packages/local/src/backfill';
import { seededRandom } from '../support/random';
import { addReportTenants, generateLeads, nextVersion, REPORT_PARTNERS } from '../support/report-leads';
import { testTable } from '../support/store';

/** The attributes a lead item written before the All Leads view lacks: its five view indexes' keys. */
const VIEW_INDEX_ATTRIBUTES = tableDefinition.globalSecondaryIndexes
  .slice(3)
  .flatMap((index) => [index.partitionKey, index.sortKey]);
const RANGE: ReportRange = { from: '2029-12-01', to: '2030-04-30' };
const partnerNames = new Map(REPORT_PARTNERS.map((id) => [id, `Partner ${id}`]));

describe('npm run leads:backfill', () => {
  let table: Awaited<ReturnType<typeof testTable>>;
  let leads: Lead[];

  beforeAll(async () => {
    table = await testTable('backfill');
    await addReportTenants(table.tenants);
    const rand = seededRandom(5);
    leads = generateLeads(rand, 150).map((lead) => (rand() < 0.5 ? nextVersion(rand, lead) : lead));
    // The items as the store wrote them before the view: no view keys, no tokens, no counters.
    for (const lead of leads) {
      const item = leadItem(lead);
      for (const name of VIEW_INDEX_ATTRIBUTES) delete item[name];
      await table.db.send(new PutCommand({ TableName: table.tableName, Item: item }));
    }
  }, 120_000);

  const view = async (filter: LeadFilter) => {
    const found: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await table.leads.queryLeads('S-1', filter, { limit: 40, ...(cursor && { cursor }) });
      found.push(...page.items.map((l) => l.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return found;
  };
  const expected = (filter: LeadFilter) =>
    leads
      .filter((l) => matchesFilter(l, filter))
      .sort(compareLeads(filter))
      .map((l) => l.id);
  const byStatus: LeadFilter = {
    dateField: 'created',
    sort: 'created',
    order: 'desc',
    statuses: ['Pending'],
  };
  const byUpdated: LeadFilter = { dateField: 'updated', sort: 'updated', order: 'desc' };

  it('brings old leads into the view indexes, the keyword index and the reports; a second run changes nothing', async () => {
    expect(expected(byStatus).length).toBeGreaterThan(10);
    expect(await view(byStatus)).toEqual([]);
    expect(await view(byUpdated)).toEqual([]);

    const first = await backfillSupplier(table, 'S-1', { settleMs: 0 });
    expect(first).toMatchObject({
      leads: leads.length,
      keysWritten: leads.length,
      tokensApplied: leads.length,
    });

    expect(await view(byStatus)).toEqual(expected(byStatus));
    expect(await view(byUpdated)).toEqual(expected(byUpdated));
    const search = new DynamoSearchStore(table.db, table.tableName);
    const [word] = [...leadWords(leads[7] as Lead)];
    const byWord: LeadFilter = {
      dateField: 'created',
      sort: 'created',
      order: 'desc',
      keywords: [word ?? ''],
    };
    const page = await search.searchLeads('S-1', byWord, { limit: 500 });
    expect(page.items.map((l) => l.id)).toEqual(expected(byWord));
    const reports = new DynamoReportStore(table.db, table.tableName);
    for (const name of REPORT_NAMES) {
      const { cost: _cost, ...report } = await Reports.getReport(
        { reports, tenants: table.tenants, clock: systemClock },
        'S-1',
        name,
        RANGE,
      );
      expect(report).toEqual(shapeReport(name, RANGE, countersOf(leads), partnerNames));
    }

    const again = await backfillSupplier(table, 'S-1', { settleMs: 0 });
    expect(again).toMatchObject({ leads: leads.length, tokensApplied: 0 });
    expect(await view(byStatus)).toEqual(expected(byStatus));
  }, 120_000);
});
