import { readFile } from 'node:fs/promises';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type ConsoleHarness, startConsole, waitFor } from './support/console';
import { type Seeded, seedLeads } from './support/rules-leads';

/**
 * The supplier's routing rules and reports, in Chromium against `npm start`: a supplier
 * builds a two-group rule set, reorders it from the keyboard and by dragging, sees the API's
 * complaint at the condition it names, previews the draft (the table is what the preview
 * route answers) and publishes it (the API holds the new version; a stale publish is refused
 * and says so). Then Reports: a range, charts with tables whose totals are the API's, and a
 * CSV of a report's rows.
 */

interface Report {
  report: string;
  from: string;
  to: string;
  rows: Record<string, unknown>[];
  totals: { count: number; opportunityValue?: { amount: number; currency: string }[] };
}

interface PreviewItem {
  leadId: string;
  displayEmail: string;
  current: { partnerName: string | null; partnerId: string | null };
  wouldGo: { partnerName: string | null; partnerId: string | null; path: string; group?: string };
}

describe('console: routing rules and reports', () => {
  let h: ConsoleHarness;
  let supplierKey: string;
  let partnerIds: Record<string, string>;
  let seeded: Seeded;

  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await api(h.endpoints.api, method, path, supplierKey, body);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as T;
  };

  beforeAll(async () => {
    h = await startConsole('rules');
    const demo = h.endpoints.demo;
    if (!demo) throw new Error('no demo tenants');
    supplierKey = demo.supplierKey;
    partnerIds = demo.partnerIds;
    const partners = Object.entries(demo.partnerIds).map(([name, id]) => ({
      name,
      id,
      key: demo.partnerKeys[name] ?? '',
    }));
    seeded = await seedLeads({ api: h.endpoints.api, supplierKey, partners }, 24, 'rules');
    // The report counters follow the leads through the table's stream: wait until they caught up.
    await waitFor(
      async () => {
        const [leads, rejections, opportunities] = await Promise.all(
          ['lead-summary', 'rejections', 'opportunity-summary'].map((r) =>
            call<Report>('GET', `/v1/reports/${r}`),
          ),
        );
        return leads?.totals.count === seeded.ids.length &&
          rejections?.totals.count === seeded.rejected &&
          opportunities?.totals.count === seeded.opportunities
          ? true
          : undefined;
      },
      'the reports to count the seeded leads',
      60_000,
    );
  });
  afterAll(async () => {
    await h?.stop();
  });

  const heading = (page: Page, name: string) => page.getByRole('heading', { level: 1, name }).waitFor();
  const groupNames = (page: Page) => page.locator('li.rule-group h2').allInnerTexts();
  /** The text of each row's cells. */
  const cellsOf = async (rows: Locator, cell: string) =>
    Promise.all(
      (await rows.all()).map(async (row) => (await row.locator(cell).allInnerTexts()).map((t) => t.trim())),
    );
  const condition = (group: Locator, n: number) => group.getByRole('listitem', { name: `Condition ${n}` });

  it('builds, reorders, checks, previews and publishes routing rules', async () => {
    const { page } = await h.newPage();
    await h.signIn(page, h.person('supplier'));
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Routing rules' }).click();
    await heading(page, 'Routing rules');
    await page.getByText('No rules published yet.').waitFor();
    expect((await call<{ version: number }>('GET', '/v1/routing-rules')).version).toBe(0);

    // Two groups: the Nordics to Northwind; everyone else to a pool of the other two.
    await page.getByRole('button', { name: 'Add group' }).click();
    await page.getByRole('button', { name: 'Add group' }).click();
    const groups = page.locator('li.rule-group');
    const nordics = groups.filter({ has: page.getByRole('heading', { name: 'Nordics' }) });
    const rest = groups.filter({ has: page.getByRole('heading', { name: 'Everyone else' }) });
    await groups.nth(0).getByLabel('Group name').fill('Nordics');
    await groups.nth(1).getByLabel('Group name').fill('Everyone else');
    await condition(nordics, 1).getByLabel('Operator').selectOption({ label: 'is one of' });
    await condition(nordics, 1).getByLabel('Values').fill('SE, NO');
    // A second condition the API will refuse: "at least" takes a number or a date.
    await nordics.getByRole('button', { name: 'Add condition to group “Nordics”' }).click();
    await condition(nordics, 2).getByLabel('Field').selectOption({ label: 'Lead score' });
    await condition(nordics, 2).getByLabel('Operator').selectOption({ label: 'is at least' });
    await condition(nordics, 2).getByLabel('Value').fill('lots');
    await nordics.getByLabel('Partner', { exact: true }).selectOption({ label: 'Northwind Partners' });
    await condition(rest, 1).getByLabel('Field').selectOption({ label: 'Email' });
    await condition(rest, 1).getByLabel('Operator').selectOption({ label: 'has a value' });
    await rest.getByLabel('A pool of partners').check();
    await rest.getByLabel('Globex Channel').check();
    await rest.getByLabel('Initech Resellers').check();
    await rest.getByLabel('Strategy').selectOption({ label: 'Round robin' });

    // The API's 400 names groups.0.conditions.1.value: shown at that value, and listed at the top.
    await page.getByRole('button', { name: 'Preview on recent leads' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'groups.0.conditions.1.value' });
    await alert.waitFor();
    const badValue = condition(nordics, 2).getByLabel('Value');
    await expect(badValue.getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(condition(nordics, 2).locator('.field-error').innerText()).resolves.toBe(
      'must be a number or an ISO-8601 date for gte',
    );
    expect(await condition(nordics, 1).locator('.field-error').count()).toBe(0);
    await h.look(page, 'routing-rules-errors');
    await page.getByRole('button', { name: 'Group 1 “Nordics”, condition 2, value' }).click();
    await expect(badValue.evaluate((el) => el.matches(':focus'))).resolves.toBe(true);

    // From the keyboard: Everyone else moves up; focus stays on its move buttons; the error stays with its condition.
    await page.getByRole('button', { name: 'Move up: group “Everyone else”' }).focus();
    await page.keyboard.press('Enter');
    expect(await groupNames(page)).toEqual(['1. Everyone else', '2. Nordics']);
    await expect(page.locator(':focus').getAttribute('aria-label')).resolves.toBe(
      'Move down: group “Everyone else”',
    );
    await expect(condition(nordics, 2).locator('.field-error').innerText()).resolves.toContain(
      'must be a number',
    );

    // By dragging: Nordics' handle onto the top of the first group puts it back first.
    await page.setViewportSize({ width: 1280, height: 2000 });
    await nordics.locator('.drag-handle').dragTo(groups.nth(0), { targetPosition: { x: 200, y: 8 } });
    expect(await groupNames(page)).toEqual(['1. Nordics', '2. Everyone else']);
    await page.setViewportSize({ width: 1280, height: 900 });

    // Fixed, previewed: the table is what the preview route answers for the draft as built.
    await badValue.fill('60');
    const draft = {
      groups: [
        {
          name: 'Nordics',
          conditions: [
            { field: 'country', op: 'in', value: ['SE', 'NO'] },
            { field: 'score', op: 'gte', value: '60' },
          ],
          assign: { partnerId: partnerIds['Northwind Partners'] },
        },
        {
          name: 'Everyone else',
          conditions: [{ field: 'email', op: 'exists' }],
          assign: {
            partnerIds: [partnerIds['Globex Channel'], partnerIds['Initech Resellers']],
            strategy: 'round-robin',
          },
        },
      ],
    };
    await page.getByRole('button', { name: 'Preview on recent leads' }).click();
    await page.getByRole('heading', { name: /^Preview on the \d+ most recent leads$/ }).waitFor();
    const answer = await call<{ items: PreviewItem[]; totals: Record<string, number> }>(
      'POST',
      '/v1/routing-rules/preview?limit=100',
      draft,
    );
    expect(answer.items.length).toBe(seeded.ids.length);
    const table = page.getByRole('table', { name: 'Where each lead would go' });
    const rows = await cellsOf(table.locator('tbody tr'), 'td');
    expect(rows.map(([lead, , matched, would]) => ({ lead, matched, would }))).toEqual(
      answer.items.map((item) => ({
        lead: item.displayEmail,
        matched:
          item.wouldGo.path === 'rule'
            ? expect.stringContaining(`“${item.wouldGo.group}”`)
            : expect.any(String),
        would: `${item.wouldGo.partnerName ?? 'Unassigned'}${item.wouldGo.partnerId !== item.current.partnerId ? ' different' : ''}`,
      })),
    );
    const totals = await cellsOf(
      page.getByRole('table', { name: 'Leads each partner would get' }).locator('tbody tr'),
      'td',
    );
    expect(Object.fromEntries(totals.map(([name, n]) => [name, Number(n)]))).toEqual(answer.totals);
    await h.look(page, 'routing-rules');

    // Published: the API holds version 1, as drafted, and says who published it.
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByRole('status').filter({ hasText: 'Published version 1' }).waitFor();
    const stored = await call<{ version: number; updatedBy: string | null; groups: unknown[] }>(
      'GET',
      '/v1/routing-rules',
    );
    expect(stored).toMatchObject({ version: 1, updatedBy: h.person('supplier').email, groups: draft.groups });
    await page.getByText(`Published version 1 on`).waitFor();

    // Someone else publishes meanwhile: this page's publish is refused, says so, and loads theirs.
    await call('PUT', '/v1/routing-rules', {
      version: 1,
      groups: [{ ...draft.groups[0] }, { ...draft.groups[1], name: 'All others' }],
    });
    await groups.nth(0).getByLabel('Group name').fill('Nordics and Baltics');
    await page.getByRole('button', { name: 'Publish' }).click();
    const conflict = page.getByRole('alert').filter({ hasText: 'Someone else published the rules' });
    await conflict.getByText(/version 2/).waitFor();
    await conflict.getByRole('button', { name: 'Load the published rules' }).click();
    expect(await groupNames(page)).toEqual(['1. Nordics', '2. All others']);
    await page.getByText('Version 2', { exact: true }).waitFor();
    expect((await call<{ version: number }>('GET', '/v1/routing-rules')).version).toBe(2);
    expect(h.browserErrors).toEqual([]);
  });

  it('shows reports for a range: charts, tables whose totals are the API’s, and a CSV of the rows', async () => {
    const { page } = await h.newPage();
    await h.signIn(page, h.person('supplier'));
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reports' }).click();
    await heading(page, 'Reports');

    // A range the person types that the API refuses is named at its field.
    await page.getByLabel('From', { exact: true }).fill('2026-02-10');
    await page.getByLabel('To', { exact: true }).fill('2026-02-01');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByRole('alert').filter({ hasText: 'Could not load the reports.' }).waitFor();
    await page
      .locator('.field-invalid')
      .filter({ hasText: 'From' })
      .getByText('must not be after to')
      .waitFor();

    // The last 7 days (today included, UTC).
    await page.getByRole('button', { name: 'Last 7 days' }).click();
    const to = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.parse(`${to}T00:00:00Z`) - 6 * 86_400_000).toISOString().slice(0, 10);
    await expect(
      page.getByRole('button', { name: 'Last 7 days' }).getAttribute('aria-pressed'),
    ).resolves.toBe('true');
    await expect(page.getByLabel('From', { exact: true }).inputValue()).resolves.toBe(from);
    await expect(page.getByLabel('To', { exact: true }).inputValue()).resolves.toBe(to);
    await page.getByRole('alert').first().waitFor({ state: 'detached' });

    const report = (name: string) => call<Report>('GET', `/v1/reports/${name}?from=${from}&to=${to}`);
    const [leads, dist, pipe, rej] = await Promise.all(
      ['lead-summary', 'distribution-summary', 'opportunity-overview', 'rejections'].map(report),
    );
    if (!leads || !dist || !pipe || !rej) throw new Error('missing report');
    expect(leads.totals.count).toBe(seeded.ids.length);

    // Charts: canvases with their numbers in words.
    const charts = page.locator('canvas[role="img"]');
    await charts.first().waitFor();
    expect(await charts.count()).toBeGreaterThanOrEqual(5);
    await expect(charts.first().getAttribute('aria-label')).resolves.toContain(`Total ${leads.totals.count}`);

    // Each chart's table: its total is the report's total.
    const total = (table: string) =>
      page.getByRole('table', { name: table }).locator('tfoot [data-total]').innerText();
    await expect(total('Leads by source and type')).resolves.toBe(String(leads.totals.count));
    await expect(total('Distributed leads by partner and distribution status')).resolves.toBe(
      String(dist.totals.count),
    );
    await expect(total('Notification email status by partner')).resolves.toBe(String(dist.totals.count));
    await expect(total('Leads in a pipeline by partner and pipeline status')).resolves.toBe(
      String(pipe.totals.count),
    );
    await expect(total('Rejected leads by reason and partner')).resolves.toBe(String(rej.totals.count));
    // …and each source's count is the API's.
    const bySource = new Map<string, number>();
    for (const r of leads.rows)
      bySource.set(String(r.source), (bySource.get(String(r.source)) ?? 0) + Number(r.count));
    for (const [source, n] of bySource) {
      const row = page
        .getByRole('table', { name: 'Leads by source and type' })
        .getByRole('row', { name: source });
      await expect(row.locator('td').last().innerText()).resolves.toBe(String(n));
    }
    await h.look(page, 'reports');

    // The distribution report's CSV: its rows, as the API answered them.
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download CSV: Distribution by partner' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe(`distribution-summary-${from}-to-${to}.csv`);
    const csv = await readFile((await file.path()) ?? '', 'utf8');
    const money = (r: Record<string, unknown>) =>
      r.opportunityValue as { amount: number; currency: string } | null;
    expect(csv).toBe(
      `\uFEFF${[
        'partnerId,partnerName,distributionStatus,emailStatus,count,opportunityValue,currency',
        ...dist.rows.map((r) =>
          [
            r.partnerId ?? '',
            r.partnerName ?? '',
            r.distributionStatus,
            r.emailStatus,
            r.count,
            money(r)?.amount ?? '',
            money(r)?.currency ?? '',
          ].join(','),
        ),
      ].join('\r\n')}\r\n`,
    );
    await page
      .getByRole('status')
      .filter({ hasText: `(${dist.rows.length} rows)` })
      .waitFor();

    // The opportunity leads, all of them, as CSV.
    const details = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download CSV: Opportunity leads' }).click();
    const lines = (await readFile((await (await details).path()) ?? '', 'utf8')).trim().split('\r\n');
    expect(lines.length).toBe(seeded.opportunities + 1);
    expect(lines.slice(1).reduce((sum, line) => sum + Number(line.split(',')[9]), 0)).toBe(seeded.value);
    expect(h.browserErrors).toEqual([]);
  });

  it('finds no serious or critical accessibility violations', () => {
    expect(h.violations).toEqual([]);
  });
});
