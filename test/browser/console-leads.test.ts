import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../support/csv';
import { api, type ConsoleHarness, startConsole, waitFor } from './support/console';

// biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
type Json = any;

/** Views larger than this go the large way (a file written by the export function, then a link). */
const INLINE_EXPORT_ROWS = 100;
const SEED_COLUMNS = [
  'displayEmail',
  'partnerName',
  'createdAt',
  'updatedAt',
  'distributionStatus',
  'emailStatus',
  'distributionStatusChangeDays',
  'source',
];

/**
 * All Leads and the lead screen, for the demo channel manager in Chromium on `npm start`:
 * filters (in the address bar, Back undoes one) that show exactly what GET /v1/leads
 * answers for them, columns kept across a reload, cursor pages, the export of the filtered
 * view (inline, and a large one followed to its link), a lead's "why this partner" and
 * history (Show more), and a reassignment the API then shows. Axe and screenshots at 1280
 * and 390 px on both screens.
 */
describe('console: All Leads and a lead', () => {
  let h: ConsoleHarness;
  let page: Page;
  let sup: string;
  let partners: Json[];
  const tag = crypto.randomUUID().slice(0, 6);

  const call = async (method: string, path: string, body?: unknown): Promise<Json> => {
    const res = await api(h.endpoints.api, method, path, sup, body);
    expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
    return res.body;
  };
  /** Every lead id of a view, paged through as the API pages it. */
  const allIds = async (query: string): Promise<string[]> => {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Json = await call(
        'GET',
        `/v1/leads?${query}&limit=500${cursor ? `&cursor=${cursor}` : ''}`,
      );
      ids.push(...page.items.map((l: Json) => l.id));
      cursor = page.nextCursor;
    } while (cursor);
    return ids;
  };
  const partner = (prefix: string): Json => {
    const found = partners.find((p) => p.name.startsWith(prefix));
    if (!found) throw new Error(`no partner ${prefix}`);
    return found;
  };

  /** The table once its load has settled, and the leads its rows link to. */
  const settled = () => page.locator('.leads-table[aria-busy="false"]').waitFor();
  const shownIds = async (): Promise<string[]> => {
    await settled();
    return page
      .locator('.leads-table tbody a[data-lead]')
      .evaluateAll((links) => links.map((a) => a.getAttribute('data-lead') ?? ''));
  };
  const headers = () => page.locator('.leads-table thead th').allTextContents();
  const entries = () => page.locator('ol.timeline > li');
  /** axe and screenshots at 1280 and 390 px, and at 390 nothing wider than the screen (tables scroll in their box). */
  const look = async (name: string) => {
    await h.look(page, name);
    await page.setViewportSize({ width: 390, height: 900 });
    expect(
      await page.evaluate('document.documentElement.scrollWidth'),
      `${name} at 390 px`,
    ).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1280, height: 900 });
  };

  beforeAll(async () => {
    h = await startConsole('leads', { env: { EXPORT_INLINE_MAX_ROWS: String(INLINE_EXPORT_ROWS) } });
    if (!h.endpoints.demo) throw new Error('the local cloud seeded no demo');
    sup = h.endpoints.demo.supplierKey;
    partners = (await call('GET', '/v1/partners')).items;
    // Routing as a supplier sets it up: a US pool (round-robin), Germany to one partner.
    await call('PATCH', `/v1/partners/${partner('Northwind').id}`, { groups: ['West'] });
    await call('PATCH', `/v1/partners/${partner('Initech').id}`, { groups: ['West'] });
    await call('PATCH', `/v1/partners/${partner('Globex').id}`, { groups: ['East'] });
    await call('PUT', '/v1/routing-rules', {
      groups: [
        {
          name: 'US pool',
          conditions: [{ field: 'country', op: 'equals', value: 'US' }],
          assign: { partnerIds: [partner('Northwind').id, partner('Initech').id], strategy: 'round-robin' },
        },
        {
          name: 'Germany',
          conditions: [{ field: 'country', op: 'equals', value: 'DE' }],
          assign: { partnerId: partner('Globex').id },
        },
      ],
    });
    const companies = ['Contoso', 'Fabrikam', 'Tailspin', 'Wingtip'];
    const countries = ['US', 'DE', 'FR'];
    const leads = Array.from({ length: 140 }, (_, i) => ({
      email: `lead${i}.${tag}@${(companies[i % 4] ?? '').toLowerCase()}.example`,
      firstName: `Ann${i}`,
      lastName: 'Lee',
      company: companies[i % 4],
      country: countries[i % 3],
      customFields: { region: i % 2 ? 'EMEA' : 'AMER', ...(i % 5 === 0 ? { budget: 1000 + i } : {}) },
    }));
    const { results } = await call('POST', '/v1/leads/batch', { leads });
    expect(results.filter((r: Json) => r.status === 'created')).toHaveLength(140);
    // Keyword search reads an index the table's stream keeps: every lead indexed before the screens search.
    await waitFor(
      async () => (await allIds('q=tailspin')).length === 35,
      'the Tailspin leads indexed',
      60_000,
    );
    ({ page } = await h.newPage());
    await h.signIn(page, h.person('supplier'));
    await page.getByRole('heading', { level: 1, name: 'All Leads' }).waitFor();
  });

  afterAll(async () => {
    await h?.stop();
  });

  it('filters by status and keyword: the rows are what GET /v1/leads answers, the filters are in the address bar', async () => {
    await settled();
    // The first page's render after the API's answer, as the page measures it (reported, not timed here).
    const rendered = await page.evaluate(() =>
      performance.getEntriesByName('leads:render').map((m) => Math.round(m.duration)),
    );
    console.info(`All Leads: 50 rows on screen ${rendered.join(', ')} ms after the API's answer`);

    await page.getByRole('checkbox', { name: 'Pending' }).check();
    await page.waitForURL(/status=Pending/);
    await page.getByRole('searchbox', { name: 'Search' }).fill('tailspin');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.waitForURL(/q=tailspin/);
    const expected = await call('GET', '/v1/leads?status=Pending&q=tailspin&limit=50');
    expect(expected.items.length).toBeGreaterThan(0);
    expect(await shownIds()).toEqual(expected.items.map((l: Json) => l.id));
    const statuses = await page
      .locator('.leads-table tbody tr')
      .evaluateAll((rows) => [...new Set(rows.map((r) => r.querySelectorAll('td')[4]?.textContent))]);
    expect(statuses).toEqual(['Pending']);

    // One more filter (a partner from the select), then Back takes it off again.
    const northwind = partner('Northwind');
    await page.getByLabel('Partner', { exact: true }).selectOption(northwind.id);
    await page.waitForURL(new RegExp(`partnerId=${northwind.id}`));
    const narrowed = await call(
      'GET',
      `/v1/leads?status=Pending&q=tailspin&partnerId=${northwind.id}&limit=50`,
    );
    expect(await shownIds()).toEqual(narrowed.items.map((l: Json) => l.id));
    await page.goBack();
    await page.waitForURL((url) => !url.search.includes('partnerId'));
    expect(await shownIds()).toEqual(expected.items.map((l: Json) => l.id));
    expect(await page.getByLabel('Partner', { exact: true }).inputValue()).toBe('');
    // A bookmark of the view opens it as it was.
    await page.goto(page.url());
    await page.getByRole('heading', { level: 1, name: 'All Leads' }).waitFor();
    expect(await page.getByRole('searchbox', { name: 'Search' }).inputValue()).toBe('tailspin');
    expect(await page.getByRole('checkbox', { name: 'Pending' }).isChecked()).toBe(true);
    expect(await shownIds()).toEqual(expected.items.map((l: Json) => l.id));
    await look('leads-all-leads-filtered');
  });

  it('changes the columns (a custom field seen on the leads, one added by name), kept after a reload', async () => {
    await page.getByRole('button', { name: 'Columns' }).click();
    await page.getByLabel('Add a column').selectOption('custom.region');
    await page.getByRole('button', { name: 'Add column' }).click();
    await page.getByLabel('Custom field by name').fill('budget');
    await page.getByRole('button', { name: 'Add custom field' }).click();
    await page.getByLabel('Add a column').selectOption('company');
    await page.getByRole('button', { name: 'Add column' }).click();
    // A removed or moved column keeps the keyboard's place: the focus goes to the next button, or follows the row.
    const focused = () => page.evaluate("document.activeElement?.getAttribute('aria-label')");
    await page.getByRole('button', { name: 'Remove Source' }).click();
    expect(await focused()).toBe('Remove region');
    await page.getByRole('button', { name: 'Move region up' }).click();
    expect(await focused()).toBe('Move region up');
    const chosen = [
      'Email',
      'Partner',
      'Created',
      'Modified',
      'Dist. Status',
      'Email Status',
      'region (custom)',
      'Dist. Status Change (days)',
      'budget (custom)',
      'Company',
    ];
    expect(await headers()).toEqual(chosen);
    await look('leads-columns');
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'All Leads' }).waitFor();
    await settled();
    expect(await headers()).toEqual(chosen);
    // The cells are the leads' values.
    const first = (await shownIds())[0];
    const { lead } = await call('GET', `/v1/leads/${first}`);
    const cells = await page.locator('.leads-table tbody tr').first().locator('td').allTextContents();
    expect(cells[6]).toBe(lead.customFields.region);
    expect(cells[9]).toBe(lead.company);
  });

  it('pages through the view by cursor, and shows 100 a page when asked', async () => {
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.waitForURL((url) => url.search === '');
    const one = await call('GET', '/v1/leads?limit=50');
    expect(await shownIds()).toEqual(one.items.map((l: Json) => l.id));
    await page.getByRole('navigation', { name: 'Lead pages' }).getByRole('button', { name: 'Next' }).click();
    const two = await call('GET', `/v1/leads?limit=50&cursor=${one.nextCursor}`);
    await waitFor(async () => (await shownIds())[0] === two.items[0].id, 'page two');
    expect(await shownIds()).toEqual(two.items.map((l: Json) => l.id));
    await page
      .getByRole('navigation', { name: 'Lead pages' })
      .getByRole('button', { name: 'Previous' })
      .click();
    await waitFor(async () => (await shownIds())[0] === one.items[0].id, 'page one again');
    await page.getByLabel('Leads per page').selectOption('100');
    await page.waitForURL(/limit=100/);
    const hundred = await call('GET', '/v1/leads?limit=100');
    await waitFor(async () => (await shownIds()).length === 100, '100 rows');
    expect(await shownIds()).toEqual(hundred.items.map((l: Json) => l.id));
    await look('leads-all-leads');
    await page.getByLabel('Leads per page').selectOption('50');
    await page.waitForURL((url) => url.search === '');
  });

  it('exports exactly the filtered view with the chosen columns, and a large view through its link', async () => {
    const columns = ['id', ...SEED_COLUMNS, 'custom.region', 'custom.budget', 'company'];
    await page.getByRole('checkbox', { name: 'Pending' }).check();
    await page.waitForURL(/status=Pending/);
    await page.getByLabel('Type', { exact: true }).selectOption('distributed');
    await page.waitForURL(/type=distributed/);
    await settled();
    const view = await allIds('status=Pending&type=distributed');
    expect(view.length).toBeGreaterThan(0);
    expect(view.length).toBeLessThanOrEqual(INLINE_EXPORT_ROWS);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export' }).click(),
    ]);
    const rows = parseCsv((await readFile(await download.path(), 'utf8')).replace(/^\uFEFF/, ''));
    expect(rows[0]).toEqual(columns);
    const data = rows.slice(1).filter((r) => r.some((c) => c !== ''));
    expect(data.map((r) => r[0]).sort()).toEqual([...view].sort());
    await page
      .getByRole('status')
      .filter({ hasText: `${view.length} leads` })
      .waitFor();

    // The whole list is larger than an inline answer: written to a file, then a link.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.waitForURL((url) => url.search === '');
    await settled();
    const all = await allIds('assigned=all');
    expect(all.length).toBeGreaterThan(INLINE_EXPORT_ROWS);
    await page.getByRole('button', { name: 'Export' }).click();
    const link = page.getByRole('link', { name: /^Download leads-.*\.csv$/ });
    await link.waitFor({ timeout: 60_000 });
    const file = await fetch((await link.getAttribute('href')) ?? '');
    expect(file.status).toBe(200);
    const big = parseCsv((await file.text()).replace(/^\uFEFF/, ''));
    expect(big[0]).toEqual(columns);
    expect(
      big
        .slice(1)
        .filter((r) => r.some((c) => c !== ''))
        .map((r) => r[0])
        .sort(),
    ).toEqual([...all].sort());
    await page.getByRole('status').filter({ hasText: 'The export is ready' }).waitFor();
  });

  it('opens a lead: why this partner, its fields; reassigns it, and the API shows the new partner', async () => {
    const email = `grace.${tag}@hopper.example`;
    const { lead } = await call('POST', '/v1/leads', {
      email,
      firstName: 'Grace',
      company: 'Hopper Labs',
      country: 'US',
      customFields: { region: 'AMER' },
    });
    expect(lead.routingGroup).toBe('US pool');
    // Keyword search reads an index the table's stream keeps: the lead is found once it is indexed.
    await waitFor(
      async () => (await call('GET', '/v1/leads?q=Hopper')).items.length === 1,
      'the lead indexed',
    );
    await page.getByRole('searchbox', { name: 'Search' }).fill('Hopper');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.waitForURL(/q=Hopper/);
    await settled();
    await page.getByRole('link', { name: email }).click();
    await page.getByRole('heading', { level: 1, name: email }).waitFor();
    const routed = entries().filter({ hasText: `Routed to ${lead.partnerName}` });
    await routed.getByText('Why this partner').waitFor();
    await routed.getByText('Routing rule group "US pool"').waitFor();
    await routed.getByText(/round-robin/).waitFor();
    const fields = page.getByRole('region', { name: 'Fields' });
    await fields.getByText('Hopper Labs').waitFor();
    await fields.getByText('AMER').waitFor();

    const other = partner(lead.partnerName.startsWith('Northwind') ? 'Initech' : 'Northwind');
    const form = page.getByRole('form', { name: 'Reassign' });
    await form.getByLabel('Partner').selectOption(other.id);
    await form.getByRole('button', { name: 'Reassign' }).click();
    await form
      .getByRole('status')
      .filter({ hasText: `Assigned to ${other.name}` })
      .waitFor();
    const after = (await call('GET', `/v1/leads/${lead.id}`)).lead;
    expect(after.partnerId).toBe(other.id);
    await entries()
      .filter({ hasText: `Assigned by hand to ${other.name}` })
      .first()
      .waitFor();
    await page.getByRole('region', { name: 'Status' }).getByRole('link', { name: other.name }).waitFor();

    // The same partner again: the API's refusal, at the field it names.
    await form.getByLabel('Partner').selectOption(other.id);
    await form.getByRole('button', { name: 'Reassign' }).click();
    await form
      .getByRole('alert')
      .filter({ hasText: `already assigned to ${other.name}` })
      .waitFor();
    await form.locator('.field-error').filter({ hasText: 'already' }).waitFor();
    await look('leads-lead');

    await page.getByRole('link', { name: 'Back to All Leads' }).click();
    await page.waitForURL(/q=Hopper/);
    expect(await shownIds()).toEqual([lead.id]);
  });

  it('finds a channel conflict by its filter, says who registered the lead, and settles it by a reassignment', async () => {
    const email = `dee.${tag}@conflict.example`;
    const northwind = partner('Northwind');
    const initech = partner('Initech');
    const { lead } = await call('POST', '/v1/leads', {
      email,
      company: 'Conflict Co',
      partnerId: northwind.id,
    });
    // Another partner registers the same email: linked to the supplier's lead, a channel conflict.
    const initechKey = h.endpoints.demo?.partnerKeys[initech.name] ?? '';
    const own = await api(h.endpoints.api, 'POST', '/v1/leads', initechKey, { email });
    const claim = await api(
      h.endpoints.api,
      'POST',
      `/v1/leads/${(own.body as Json).lead.id}/register`,
      initechKey,
    );
    expect(claim.body).toMatchObject({ outcome: 'linked', conflict: true });

    await page.goto(`${h.url}leads`);
    await page.getByRole('heading', { level: 1, name: 'All Leads' }).waitFor();
    await page.getByLabel('Channel conflict').selectOption('true');
    await page.waitForURL(/conflict=true/);
    expect(await shownIds()).toEqual(await allIds('conflict=true'));
    expect(await shownIds()).toContain(lead.id);
    await page.getByRole('link', { name: email }).click();
    const note = page.getByRole('note').filter({ hasText: 'Channel conflict' });
    await note.getByText(`${initech.name} registered it`).waitFor();
    await look('leads-conflict');

    const form = page.getByRole('form', { name: 'Reassign' });
    await form.getByLabel('Partner').selectOption(initech.id);
    await form.getByRole('button', { name: 'Reassign' }).click();
    await form
      .getByRole('status')
      .filter({ hasText: `Assigned to ${initech.name}` })
      .waitFor();
    const settled = (await call('GET', `/v1/leads/${lead.id}`)).lead;
    expect(settled).toMatchObject({ partnerId: initech.id });
    expect(settled.conflict).toBeUndefined();
    await entries().filter({ hasText: 'Channel conflict settled' }).waitFor();
    await note.waitFor({ state: 'detached' });
    expect(await allIds('conflict=true')).not.toContain(lead.id);
  });

  it("shows a lead's whole history: the latest entries, then Show more pages through the rest", async () => {
    const { lead } = await call('POST', '/v1/leads', {
      email: `long.${tag}@history.example`,
      company: 'Long History',
      country: 'US',
    });
    // Reassigned back and forth: each assignment adds its entries (assigned, the email's own).
    const pool = [partner('Northwind'), partner('Initech')];
    for (let i = 0; i < 10; i++) {
      // Each assignment's email first (it changes the lead too; a 409 says so and is tried again).
      await waitFor(
        async () => {
          const now = (await call('GET', `/v1/leads/${lead.id}`)).lead;
          if (now.notified?.assignmentVersion !== now.assignmentVersion) return false;
          const next = pool.find((p) => p.id !== now.partnerId) ?? pool[0];
          const res = await api(h.endpoints.api, 'POST', `/v1/leads/${lead.id}/assign`, sup, {
            partnerId: next.id,
          });
          if (res.status !== 409) expect(res.status, JSON.stringify(res.body)).toBe(200);
          return res.status === 200;
        },
        `assignment ${i + 1}`,
      );
    }
    const total = await waitFor(
      async () => {
        const items: Json[] = [];
        let cursor: string | null = null;
        do {
          const pageOf: Json = await call(
            'GET',
            `/v1/leads/${lead.id}/history?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
          );
          items.push(...pageOf.items);
          cursor = pageOf.nextCursor;
        } while (cursor);
        return items.length > 21 && items.length;
      },
      'a history longer than one screen',
      60_000,
    );
    await page.goto(`${h.url}leads/${lead.id}`);
    await page.getByRole('heading', { level: 2, name: 'History' }).waitFor();
    await waitFor(async () => (await entries().count()) === 20, 'the latest 20 entries');
    const more = page.getByRole('button', { name: 'Show more' });
    while ((await more.count()) > 0) {
      const before = await entries().count();
      await more.click();
      await waitFor(async () => (await entries().count()) > before, 'more entries');
    }
    // The API may have added entries meanwhile (emails): at least what it had.
    expect(await entries().count()).toBeGreaterThanOrEqual(total);
    expect(h.browserErrors).toEqual([]);
    expect(h.violations).toEqual([]);
  });
});
