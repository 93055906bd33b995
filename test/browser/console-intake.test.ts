import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import AxeBuilder from '@axe-core/playwright';
import type { LocalEndpoints } from '@leadrelay/local';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  type CloudProcess,
  repoRoot,
  startCloudProcess,
  waitFor,
} from '../e2e/support/local-cloud-process';
import { parseCsv } from '../support/csv';

// biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
type Json = any;

/**
 * The supplier's intake screens in Chromium, on the local cloud, signed in as the demo
 * channel manager: Uploads (file input and a drop, a real progress bar, live status and
 * counts, past uploads with a file dropped straight into the bucket), one upload (row
 * errors and their CSV), Partners (add with a role-address owner, edit, keys), Settings
 * (reroute timing, the supplier's keys), and a supplier's whole first day: from the
 * uploaded file to its leads in All Leads, one opened and reassigned, the view exported. Every outcome is checked in the API too; axe and
 * screenshots at 1280 and 390 px on each screen.
 */
describe('console intake screens in Chromium', () => {
  let home: string;
  let cloud: CloudProcess;
  let endpoints: LocalEndpoints;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let sup: string;
  let supplierId: string;
  const screens = join(repoRoot, '.test-results', 'screens');
  const serious: string[] = [];
  const tag = crypto.randomUUID().slice(0, 8);

  const get = async (path: string, key = sup): Promise<Json> => {
    const res = await api(endpoints.api, 'GET', path, key);
    expect(res.status, `GET ${path}`).toBe(200);
    return res.body;
  };

  /** Axe (serious and critical findings are failures) and a screenshot, at 1280 and at 390 px. */
  const look = async (name: string) => {
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      const result = await new AxeBuilder({ page }).analyze();
      for (const v of result.violations) {
        if (v.impact === 'serious' || v.impact === 'critical') {
          serious.push(`${name}@${width}: ${v.id} ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
        }
      }
      await page.screenshot({ path: join(screens, `intake-${name}-${width}.png`), fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  };

  const goTo = async (link: string, heading: string | RegExp) => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click();
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  };

  const progressPanel = () => page.locator('section.upload-progress');
  const count = (name: string) => progressPanel().locator(`dd[data-count="${name}"]`);

  beforeAll(async () => {
    await mkdir(screens, { recursive: true });
    home = await mkdtemp(join(tmpdir(), 'leadrelay-intake-'));
    cloud = await startCloudProcess(home, 90_000);
    endpoints = cloud.endpoints;
    if (!endpoints.demo) throw new Error('the local cloud seeded no demo');
    sup = endpoints.demo.supplierKey;
    supplierId = endpoints.demo.supplierId;
    const person = endpoints.demo.users.find((u) => u.of === 'supplier');
    if (!person) throw new Error('no demo supplier person');

    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    // Confirmations (revoke a key) are answered yes.
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${endpoints.api}/console/`);
    await page.getByLabel('Email').fill(person.email);
    await page.getByLabel('Password').fill(person.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await cloud?.kill();
    if (home) await rm(home, { recursive: true, force: true });
  });

  const csv = [
    'Email,First Name,Last Name,Company',
    `ann.${tag}@buyer-one.example,Ann,Lee,One Co`,
    `bo.${tag}@buyer-two.example,Bo,Ray,"Two, Inc"`,
    "not-an-email,Cy,O'Neil,Three Co",
  ].join('\n');

  it('uploads a CSV by the file input: the progress reaches 100%, the status turns Done, the counts are the file’s', async () => {
    await goTo('Uploads', 'Uploads');
    await page.getByRole('heading', { name: 'Upload a lead file' }).waitFor();
    const file = join(home, `leads-${tag}.csv`);
    await writeFile(file, csv);
    await page.getByLabel('Lead file (CSV or XLSX)').setInputFiles(file);
    await page.getByText(`Chosen: leads-${tag}.csv`).waitFor();
    // The header row is read in the browser for the optional mapping.
    await page.getByText('Column mapping (optional): 4 columns').click();
    const firstName = page.getByLabel('First Name', { exact: true });
    await expect.poll(() => firstName.inputValue()).toBe('');
    // One column mapped by hand; the rest by name.
    await page.getByLabel('Company', { exact: true }).selectOption('custom.Company');
    await look('uploads-chosen');

    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await progressPanel().getByText('File sent: 100%').waitFor();
    expect(await progressPanel().locator('progress').getAttribute('value')).toBe('100');
    await progressPanel().getByText('Done', { exact: true }).waitFor({ timeout: 60_000 });
    expect(await count('total').textContent()).toBe('3');
    expect(await count('created').textContent()).toBe('2');
    expect(await count('updated').textContent()).toBe('0');
    expect(await count('rejected').textContent()).toBe('1');
    await progressPanel()
      .getByText(/Row 4, Email: must be a valid email/)
      .waitFor();

    const href = await progressPanel()
      .getByRole('link', { name: 'The upload’s report' })
      .getAttribute('href');
    const id = href?.split('/').pop() ?? '';
    const { upload } = await get(`/v1/uploads/${id}`);
    expect(upload).toMatchObject({
      fileName: `leads-${tag}.csv`,
      origin: 'api',
      status: 'done',
      rows: { total: 3, created: 2, updated: 0, rejected: 1 },
      routing: { mode: 'rules' },
      mapping: { Company: 'custom.Company' },
      mappingApplied: { source: 'upload' },
    });
    // The past uploads list has it, Done.
    await page
      .getByRole('row')
      .filter({ hasText: `leads-${tag}.csv` })
      .getByText('Done')
      .waitFor();
    await look('uploads-done');
  });

  it('uploads a file dropped on the drop zone, and lists a file dropped straight into the bucket as an inbox drop', async () => {
    await goTo('Uploads', 'Uploads');
    // The last upload's panel stays until another is started.
    await page.getByRole('button', { name: 'Upload another file' }).click();
    const zone = page.getByRole('region', { name: 'Drop a lead file here' });
    const body = `email,company\ndrop.${tag}@buyer-four.example,Four Co\n`;
    const transfer = await page.evaluateHandle(
      ({ body, name }) => {
        // In the page: the DOM's DataTransfer and File (the test itself is typed for Node).
        const dom = globalThis as unknown as {
          DataTransfer: new () => { items: { add(file: unknown): void } };
          File: new (parts: string[], name: string, options: { type: string }) => unknown;
        };
        const dt = new dom.DataTransfer();
        dt.items.add(new dom.File([body], name, { type: 'text/csv' }));
        return dt;
      },
      { body, name: `dropped-${tag}.csv` },
    );
    await zone.dispatchEvent('dragenter', { dataTransfer: transfer });
    await zone.dispatchEvent('dragover', { dataTransfer: transfer });
    await zone.dispatchEvent('drop', { dataTransfer: transfer });
    await page.getByText(`Chosen: dropped-${tag}.csv`).waitFor();
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await progressPanel().getByText('File sent: 100%').waitFor();
    await progressPanel().getByText('Done', { exact: true }).waitFor({ timeout: 60_000 });
    expect(await count('created').textContent()).toBe('1');
    expect(await count('rejected').textContent()).toBe('0');

    // A file put into the inbox by another tool gets an upload record, marked as a drop.
    const s3 = new S3Client({
      region: endpoints.region,
      credentials: endpoints.credentials,
      endpoint: endpoints.s3,
      forcePathStyle: true,
    });
    try {
      await s3.send(
        new PutObjectCommand({
          Bucket: endpoints.bucket,
          Key: `inbox/${supplierId}/inbox-${tag}.csv`,
          Body: `email\ninbox.${tag}@buyer-five.example\n`,
        }),
      );
    } finally {
      s3.destroy();
    }
    await waitFor(
      async () =>
        (await get('/v1/uploads')).items.find(
          (u: Json) => u.fileName === `inbox-${tag}.csv` && u.status === 'done',
        ),
      'the dropped file read',
      60_000,
    );
    await goTo('Partners', 'Partners');
    await goTo('Uploads', 'Uploads');
    const row = page.getByRole('row').filter({ hasText: `inbox-${tag}.csv` });
    await row.getByText('Inbox drop').waitFor();
    await row.getByText('Done').waitFor();
  });

  it('shows one upload’s row errors in a table and downloads them as CSV', async () => {
    await goTo('Uploads', 'Uploads');
    await page.getByRole('link', { name: `leads-${tag}.csv` }).click();
    await page.getByRole('heading', { level: 1, name: `Upload: leads-${tag}.csv` }).waitFor();
    const errors = page.getByRole('table', { name: 'Row errors' });
    const errorRow = errors.getByRole('row').filter({ hasText: 'must be a valid email' });
    await errorRow.waitFor();
    expect(await errorRow.getByRole('cell').allTextContents()).toEqual([
      '4',
      'Email',
      'must be a valid email address (got "not-an-email")',
    ]);
    await page.getByText('The mapping given with this upload').waitFor();
    expect(
      await page
        .getByRole('table', { name: 'Mapping given with the upload' })
        .getByRole('cell')
        .allTextContents(),
    ).toEqual(['Company', 'custom.Company']);
    const lead = (await get(`/v1/leads?q=${encodeURIComponent(`ann.${tag}`)}`)).items[0];
    expect(lead).toMatchObject({
      email: `ann.${tag}@buyer-one.example`,
      customFields: { Company: 'One Co' },
    });

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download errors (CSV)' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`leads-${tag}-errors.csv`);
    const text = await readFile(await download.path(), 'utf8');
    expect(text).toBe(
      'row,column,message\r\n4,Email,"must be a valid email address (got ""not-an-email"")"\r\n',
    );
    await page.getByText('Downloaded 1 row error as CSV.').waitFor();
    await look('upload');
  });

  let partnerId = '';
  const partnerName = `Contoso ${tag}`;

  it('adds a partner: a field error at the owner the API names, then the key shown once and the role-address warning', async () => {
    await goTo('Partners', 'Partners');
    await page.getByRole('button', { name: 'Add a partner' }).click();
    await page.getByLabel('Name', { exact: true }).fill(partnerName);
    await page.getByLabel('Groups').fill('EMEA, Gold');
    await page
      .getByRole('group', { name: 'Lead owner 1' })
      .getByLabel('Email')
      .fill(`sales@contoso-${tag}.example`);
    await page.getByRole('button', { name: 'Add a lead owner' }).click();
    const second = page.getByRole('group', { name: 'Lead owner 2' });
    // The browser takes it as an email; the API does not.
    await second.getByLabel('Email').fill('jo@contoso');
    await second.getByLabel('Name (optional)').fill('Jo Field');
    await page.getByLabel('Capacity').fill('5');
    await page.getByRole('button', { name: 'Add the partner' }).click();
    await page.getByText('The partner was not added.').waitFor();
    await second.getByText('must be a valid email address').waitFor();
    await look('partners-error');

    await second.getByLabel('Email').fill(`jo@contoso-${tag}.example`);
    await page.getByRole('button', { name: 'Add the partner' }).click();
    await page.getByRole('heading', { name: `Added ${partnerName}` }).waitFor();
    const apiKey = await page.getByLabel(`API key of ${partnerName}`).inputValue();
    expect(apiKey).toMatch(/^lr_ptr_/);
    await page.getByText(`sales@contoso-${tag}.example is a role address`).waitFor();

    // The key shown is the partner's, and it works.
    expect((await api(endpoints.api, 'GET', '/v1/leads', apiKey)).status).toBe(200);
    const listed = (await get('/v1/partners?limit=500')).items.find((p: Json) => p.name === partnerName);
    expect(listed).toMatchObject({
      groups: ['EMEA', 'Gold'],
      capacity: 5,
      paused: false,
      leadOwners: [
        { email: `sales@contoso-${tag}.example` },
        { email: `jo@contoso-${tag}.example`, name: 'Jo Field' },
      ],
    });
    partnerId = listed.id;
    await page.getByRole('table', { name: 'Partners' }).getByRole('link', { name: partnerName }).waitFor();
    await look('partners');
  });

  it('edits the partner (capacity, paused), with the warning next to the role-address owner, and creates and revokes a key', async () => {
    await page.getByRole('link', { name: `Open ${partnerName}` }).click();
    await page.getByRole('heading', { name: 'Details' }).waitFor();
    await page
      .getByRole('group', { name: 'Lead owner 1' })
      .getByText(`sales@contoso-${tag}.example is a role address`)
      .waitFor();
    expect(await page.getByRole('group', { name: 'Lead owner 2' }).getByText('role address').count()).toBe(0);

    await page.getByLabel('Capacity').fill('9');
    await page.getByLabel('Paused').check();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText(`Saved ${partnerName}: capacity, paused.`).waitFor();
    expect((await get(`/v1/partners/${partnerId}`)).partner).toMatchObject({ capacity: 9, paused: true });
    await page.getByRole('heading', { level: 1, name: /Paused/ }).waitFor();

    // A new key, shown once; then revoked after the confirmation.
    await page.getByRole('button', { name: 'Create a key' }).click();
    const fresh = page.getByLabel(/^New API key/);
    await fresh.waitFor();
    const newKey = await fresh.inputValue();
    expect((await api(endpoints.api, 'GET', '/v1/leads', newKey)).status).toBe(200);
    const keys = (await get(`/v1/partners/${partnerId}/keys`)).items as Json[];
    const created = keys.find((k) => newKey.startsWith(k.prefix) && !k.revokedAt);
    expect(keys.filter((k) => !k.revokedAt)).toHaveLength(2);
    await look('partner');

    await page.getByRole('button', { name: `Revoke key ${created.prefix}` }).click();
    await page.getByText(`Revoked key ${created.prefix}….`).waitFor();
    const after = (await get(`/v1/partners/${partnerId}/keys`)).items as Json[];
    expect(after.find((k) => k.id === created.id)?.revokedAt).toBeTruthy();
    await waitFor(
      async () => (await api(endpoints.api, 'GET', '/v1/leads', newKey)).status === 401 || undefined,
      'the revoked key refused',
      30_000,
    );
    await page
      .getByRole('row')
      .filter({ hasText: created.prefix })
      .getByText(/Revoked/)
      .waitFor();
  });

  it('changes the settings (reroute timing in words) and creates one of the supplier’s keys', async () => {
    await goTo('Settings', 'Settings');
    const reroute = page.getByLabel('Reroute after (minutes)');
    await expect.poll(() => reroute.inputValue()).toBe('2880');
    await page.getByText('= 48 hours (2 days)').waitFor();
    await reroute.fill('1500');
    await page.getByText('= 25 hours (1 day 1 hour)').waitFor();
    await page.getByLabel('Most reroutes per lead').fill('5');
    await page.getByLabel('Reroute rejected leads').check();
    await page.getByLabel('Default lead score').fill('70');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page
      .getByText('Saved: reroute time, most reroutes, reroute rejected leads, default lead score.')
      .waitFor();
    expect((await get('/v1/settings')).settings).toMatchObject({
      rerouteAfterMinutes: 1500,
      maxReroutes: 5,
      rerouteRejected: true,
      defaultLeadScore: 70,
    });

    const keysBefore = (await get('/v1/keys')).items.length;
    const section = page.getByRole('region', { name: 'API keys', exact: true });
    await section.getByRole('button', { name: 'Create a key' }).click();
    const key = await section.getByLabel(/^New API key/).inputValue();
    expect(key).toMatch(/^lr_sup_/);
    expect((await api(endpoints.api, 'GET', '/v1/settings', key)).status).toBe(200);
    expect((await get('/v1/keys')).items).toHaveLength(keysBefore + 1);
    await look('settings');
  });

  it('sets business hours, a reminder and an escalation address; a time zone that does not exist is named at its field', async () => {
    await goTo('Settings', 'Settings');
    await page.getByLabel('Count open hours only').check();
    await page.getByLabel('Time zone', { exact: true }).fill('Mars/Olympus_Mons');
    await page.getByLabel('Saturday').check();
    await page.getByLabel('Holidays').fill('2026-12-25\n2026-12-26');
    await page.getByLabel('Remind the partner before the deadline (minutes)').fill('60');
    await page.getByLabel('Escalation email').fill(`ops.${tag}@supplier.example`);
    await page.getByRole('button', { name: 'Save settings' }).click();
    const zoneField = page.locator('.field', { has: page.getByLabel('Time zone', { exact: true }) });
    await zoneField.locator('.field-error').waitFor();
    await expect(zoneField.locator('.field-error').textContent()).resolves.toContain('IANA time zone');
    expect((await get('/v1/settings')).settings.businessHours).toBeUndefined();

    await page.getByLabel('Time zone', { exact: true }).fill('Europe/London');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Saved: business hours, reminder, escalation email.').waitFor();
    expect((await get('/v1/settings')).settings).toMatchObject({
      businessHours: {
        timeZone: 'Europe/London',
        days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'],
        start: '09:00',
        end: '17:00',
        holidays: ['2026-12-25', '2026-12-26'],
      },
      remindBeforeMinutes: 60,
      escalationEmail: `ops.${tag}@supplier.example`,
    });
    await look('settings-hours');

    // Off again: each setting cleared.
    await page.getByLabel('Count open hours only').uncheck();
    await page.getByLabel('Remind the partner before the deadline (minutes)').fill('');
    await page.getByLabel('Escalation email').fill('');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Saved: business hours, reminder, escalation email.').waitFor();
    const cleared = (await get('/v1/settings')).settings;
    for (const field of ['businessHours', 'remindBeforeMinutes', 'escalationEmail'])
      expect(cleared).not.toHaveProperty(field);
  });

  it('goes on from that file to its leads: filters All Leads to them, opens one, reassigns it, and exports the view', async () => {
    // The keyword index follows the table's stream: the file's leads are searchable once indexed.
    // (The other files of this run carry the same tag: the view is every file's leads.)
    await waitFor(async () => {
      const found = (await get(`/v1/leads?q=${tag}&source=CSV%20Upload`)).items as Json[];
      return ['ann', 'bo'].every((who) => found.some((l) => l.email.startsWith(`${who}.${tag}@`)));
    }, 'the file’s two leads indexed');
    await goTo('All Leads', 'All Leads');
    const table = page.locator('.leads-table[aria-busy="false"]');
    await page.getByLabel('Source', { exact: true }).selectOption('CSV Upload');
    await page.waitForURL(/source=CSV/);
    await page.getByRole('searchbox', { name: 'Search' }).fill(tag);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.waitForURL(new RegExp(`q=${tag}`));
    await table.waitFor();
    const view = (await get(`/v1/leads?q=${tag}&source=CSV%20Upload`)).items.map((l: Json) => l.id);
    const shown = await table
      .locator('tbody a[data-lead]')
      .evaluateAll((links) => links.map((a) => a.getAttribute('data-lead') ?? ''));
    expect(shown).toEqual(view);

    const ann = `ann.${tag}@buyer-one.example`;
    await page.getByRole('link', { name: ann }).click();
    await page.getByRole('heading', { level: 1, name: ann }).waitFor();
    const id = view.find((leadId: string) => page.url().endsWith(leadId)) as string;
    const before = (await get(`/v1/leads/${id}`)).lead;
    const partners = (await get('/v1/partners')).items as Json[];
    const other = partners.find((p) => p.id !== before.partnerId && !p.paused);
    // Assign when the rules left it Unassigned (no rule matched it), Reassign when they routed it.
    const verb = before.partnerId ? 'Reassign' : 'Assign';
    const form = page.getByRole('form', { name: verb });
    await form.getByLabel('Partner').selectOption(other.id);
    await form.getByRole('button', { name: verb }).click();
    await form
      .getByRole('status')
      .filter({ hasText: `Assigned to ${other.name}` })
      .waitFor();
    expect((await get(`/v1/leads/${id}`)).lead.partnerId).toBe(other.id);

    // Back to the same filtered view, and its export: exactly the file's leads.
    await page.getByRole('link', { name: 'Back to All Leads' }).click();
    await page.waitForURL(new RegExp(`q=${tag}`));
    await table.waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export' }).click(),
    ]);
    const rows = parseCsv((await readFile(await download.path(), 'utf8')).replace(/^\uFEFF/, ''));
    const idColumn = rows[0]?.indexOf('id') ?? -1;
    expect(idColumn).toBeGreaterThanOrEqual(0);
    const exported = rows.slice(1).filter((r) => r.some((c) => c !== ''));
    expect(exported.map((r) => r[idColumn]).sort()).toEqual([...view].sort());
    expect(exported.find((r) => r[idColumn] === id)).toContain(other.name);
  });

  it('found no serious or critical accessibility problem on any screen', () => {
    expect(serious).toEqual([]);
  });
});
