import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type ConsoleHarness, startConsole, waitFor } from './support/console';

// biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
type Json = any;

const PARTNER = 'Northwind Partners';

/**
 * The partner's screens in Chromium, on `npm start`, signed in as the demo partner admin it
 * printed: the Inbox (countdown, Accept, Reject with a reason from the keyboard), My leads
 * and one lead (the pipeline to Opportunity with a value and a sales rep), Register a lead
 * (then register it with the supplier), Settings (lead owners, sales reps, own
 * auto-registration rules with ignored companies, preview and apply; the supplier's rules
 * read-only). Every outcome is checked in the API with the supplier's or the partner's key;
 * axe and screenshots at 1280 and 390 px on each screen.
 */
describe('console: the partner screens', () => {
  let h: ConsoleHarness;
  let page: Page;
  let sup: string;
  let ptr: string;
  const tag = crypto.randomUUID().slice(0, 6);
  const ids: Record<'accept' | 'reject' | 'work', string> = { accept: '', reject: '', work: '' };
  const company = (name: keyof typeof ids) => `${name[0]?.toUpperCase()}${name.slice(1)} Co ${tag}`;

  const get = async (path: string, key = sup): Promise<Json> => {
    const res = await api(h.endpoints.api, 'GET', path, key);
    expect(res.status, `GET ${path}`).toBe(200);
    return res.body;
  };
  const heading = (name: string | RegExp) => page.getByRole('heading', { level: 1, name }).waitFor();
  const goTo = async (link: string, name: string | RegExp) => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click();
    await heading(name);
  };
  const status = (text: string | RegExp) => page.getByRole('status').filter({ hasText: text });
  const inboxItem = (name: keyof typeof ids): Locator =>
    page
      .getByRole('list', { name: 'Leads waiting for a decision' })
      .getByRole('listitem')
      .filter({ has: page.getByRole('link', { name: company(name), exact: true }) });
  const focused = () => page.evaluate<string>("document.activeElement?.getAttribute('name') ?? ''");

  beforeAll(async () => {
    h = await startConsole('partner');
    const demo = h.endpoints.demo;
    if (!demo) throw new Error('the local cloud seeded no demo');
    sup = demo.supplierKey;
    ptr = demo.partnerKeys[PARTNER] ?? '';
    // Leads for the partner, made by the supplier as an integrator would.
    for (const name of Object.keys(ids) as (keyof typeof ids)[]) {
      const res = await api(h.endpoints.api, 'POST', '/v1/leads', sup, {
        email: `${name}.${tag}@buyer.example`,
        firstName: 'Ana',
        lastName: name,
        company: company(name),
        product: 'Widgets',
        partnerId: demo.partnerIds[PARTNER],
      });
      expect(res.status).toBe(201);
      ids[name] = (res.body as Json).lead.id;
    }
    // The email sets each deadline.
    for (const id of Object.values(ids)) {
      await waitFor(
        async () => (await get(`/v1/leads/${id}`)).lead.deadlineAt,
        `the deadline of ${id}`,
        30_000,
      );
    }
    const reps = await api(h.endpoints.api, 'PUT', '/v1/partner/settings', ptr, {
      salesReps: [{ id: 'robin', name: 'Robin Rep', email: 'robin@northwind-partner.example' }],
    });
    expect(reps.status).toBe(200);
    page = (await h.newPage()).page;
    await h.signIn(page, h.person(PARTNER));
    await heading('Inbox');
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('accepts one lead and rejects another with a reason in the Inbox, the deadline counting down in words', async () => {
    await inboxItem('accept').waitFor();
    await expect(inboxItem('accept').textContent()).resolves.toMatch(/Time left\s*in (1 d 23 h|2 d 0 h)/);
    await h.look(page, 'partner-inbox');

    await inboxItem('accept')
      .getByRole('button', { name: /^Accept/ })
      .click();
    await status(`Accepted accept.${tag}@buyer.example`).waitFor();
    await inboxItem('accept').waitFor({ state: 'detached' });
    expect((await get(`/v1/leads/${ids.accept}`)).lead.distributionStatus).toBe('Accepted');

    // Reject from the keyboard: the reason takes focus, Escape gives it back to Reject.
    await inboxItem('reject')
      .getByRole('button', { name: /^Reject/ })
      .focus();
    await page.keyboard.press('Enter');
    await expect.poll(focused).toBe('reason');
    await page.keyboard.press('Escape');
    // Focus moves in an effect after the render: awaited, not read at once.
    await expect
      .poll(() => page.evaluate<string>('document.activeElement?.textContent ?? ""'))
      .toMatch(/^Reject…/);
    await page.keyboard.press('Enter');
    await expect.poll(focused).toBe('reason');
    await h.look(page, 'partner-inbox-reject');
    // A blank reason (spaces only): the API's words show at the reason, which keeps focus.
    await page.keyboard.type('   ');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    const form = page.getByRole('form', { name: /^Reject reject\./ });
    await expect.poll(() => form.locator('.field-error').textContent()).toBe('a reason is required');
    await expect.poll(focused).toBe('reason');
    expect((await get(`/v1/leads/${ids.reject}`)).lead.distributionStatus).toBe('Pending');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('Outside our territory');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await status('Reason: Outside our territory').waitFor();
    await inboxItem('reject').waitFor({ state: 'detached' });
    const rejected = (await get(`/v1/leads/${ids.reject}`)).lead;
    expect(rejected.distributionStatus).toBe('Rejected');
    expect(rejected.rejectReason).toBe('Outside our territory');
    await inboxItem('work').waitFor();
    expect(h.browserErrors).toEqual([]);
  });

  it('lists the leads with filters and moves one through the pipeline to Opportunity with a value', async () => {
    await goTo('My leads', 'My leads');
    await page.getByRole('link', { name: `work.${tag}@buyer.example` }).waitFor();
    await page.getByLabel('Status', { exact: true }).selectOption('Rejected');
    await page.getByRole('link', { name: `reject.${tag}@buyer.example` }).waitFor();
    await page.getByRole('link', { name: `work.${tag}@buyer.example` }).waitFor({ state: 'detached' });
    expect(page.url()).toContain('status=Rejected');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByLabel('Keywords').fill(`work ${tag}`);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: `accept.${tag}@buyer.example` }).waitFor({ state: 'detached' });
    await h.look(page, 'partner-my-leads');

    await page.getByRole('link', { name: `work.${tag}@buyer.example` }).click();
    await heading(`work.${tag}@buyer.example (${company('work')})`);
    await page.getByRole('button', { name: 'Accept' }).click();
    await status('Accepted').waitFor();
    const pipeline = page.getByRole('form', { name: 'Pipeline' });
    await pipeline.getByLabel('Pipeline status').selectOption('Contacted');
    await pipeline.getByLabel('Sales rep').selectOption({ label: 'Robin Rep' });
    await pipeline.getByRole('button', { name: 'Save pipeline' }).click();
    await pipeline.getByRole('status').filter({ hasText: 'Saved: Contacted' }).waitFor();
    expect((await get(`/v1/leads/${ids.work}`)).lead).toMatchObject({
      pipelineStatus: 'Contacted',
      salesRepId: 'robin',
    });

    await pipeline.getByLabel('Pipeline status').selectOption('Opportunity');
    await pipeline.getByText('Opportunity closes the lead').waitFor();
    await pipeline.getByLabel('Opportunity value').fill('12500');
    await pipeline.getByLabel('Currency').fill('eur');
    await h.look(page, 'partner-lead-pipeline');
    await pipeline.getByRole('button', { name: 'Save pipeline' }).click();
    await status('Saved: Opportunity').waitFor();
    await page.getByText('its pipeline no longer changes').waitFor();
    const worked = (await get(`/v1/leads/${ids.work}`)).lead;
    expect(worked).toMatchObject({
      distributionStatus: 'Accepted',
      pipelineStatus: 'Opportunity',
      opportunityValue: { amount: 12500, currency: 'EUR' },
      salesRepId: 'robin',
    });
    await page.getByRole('heading', { name: 'History' }).waitFor();
    await page.getByText('Pipeline status: Contacted → Opportunity').waitFor();
    await h.look(page, 'partner-lead');

    // The lead in the list shows its pipeline, value and rep.
    await goTo('My leads', 'My leads');
    await page.getByLabel('Pipeline status').selectOption('Opportunity');
    const row = page.getByRole('row').filter({ hasText: `work.${tag}@buyer.example` });
    await expect(row.textContent()).resolves.toMatch(/Opportunity.*€12,500\.00.*Robin Rep/);
    expect(h.browserErrors).toEqual([]);
  });

  it('registers a lead of its own, then registers it with the supplier', async () => {
    await goTo('Register a lead', 'Register a lead');
    const form = page.getByRole('form', { name: 'The lead' });
    await form.getByRole('button', { name: 'Save lead' }).click();
    await form.getByRole('alert').filter({ hasText: 'a partner lead needs at least one of' }).waitFor();
    await form.getByLabel('Company').fill(`Tailspin ${tag}`);
    await form.getByLabel('First name').fill('Lee');
    await form.getByLabel('Email (optional)').fill(`lee.${tag}@tailspin.example`);
    await form.getByRole('button', { name: 'Save lead' }).click();
    await status('Created as a lead of your own. It is not registered').waitFor();
    await h.look(page, 'partner-register');

    await page.getByRole('link', { name: `Open lee.${tag}@tailspin.example (Tailspin ${tag})` }).click();
    await heading(`lee.${tag}@tailspin.example (Tailspin ${tag})`);
    const id = page.url().split('/').pop() ?? '';
    // The supplier does not see it yet.
    expect((await api(h.endpoints.api, 'GET', `/v1/leads/${id}`, sup)).status).toBe(404);
    await page.getByRole('button', { name: 'Register with the supplier' }).click();
    await status('Registered with the supplier').waitFor();
    expect((await get(`/v1/leads/${id}`)).lead).toMatchObject({
      type: 'registered',
      source: 'Partner Registered',
    });
    expect(h.browserErrors).toEqual([]);
  });

  it('changes the settings: owners, reps, its own auto-registration rules previewed and applied', async () => {
    const own = async (name: string) =>
      (
        (await api(h.endpoints.api, 'POST', '/v1/leads', ptr, { company: name, firstName: 'Own' }))
          .body as Json
      ).lead.id as string;
    const fabrikam = await own(`Fabrikam ${tag}`);
    const ignored = await own(`Fabrikam ${tag} Labs`);
    const other = await own(`Contoso ${tag}`);

    await goTo('Settings', 'Settings');
    await page.getByRole('button', { name: 'Add lead owner' }).click();
    await page.getByLabel('Email of lead owner 2').fill(`owner.${tag}@northwind-partner.example`);
    await page
      .getByRole('listitem')
      .filter({ has: page.getByLabel('Email of lead owner 2') })
      .getByLabel('Name (optional)')
      .fill('Owner Two');
    await page.getByRole('button', { name: 'Add sales rep' }).click();
    await page.getByLabel('Id of sales rep 2').fill('sam smith');
    await page
      .getByRole('listitem')
      .filter({ has: page.getByLabel('Id of sales rep 2') })
      .getByLabel('Name', { exact: true })
      .fill('Sam Smith');

    await page.getByLabel('My own rules').check();
    await page.getByRole('button', { name: 'Add group' }).click();
    const group = page.getByRole('group', { name: /Group 1/ });
    await group.getByLabel('Field').selectOption('company');
    await group.getByLabel('Test').selectOption('contains');
    await group.getByLabel('Value').fill(`fabrikam ${tag}`);
    // Last: the group's legend is its name.
    await group.getByLabel('Group name').fill('Fabrikam');
    await page.getByLabel('Never auto-register leads of these companies').fill(`Fabrikam ${tag} Labs`);

    // An id the API refuses: its error at the field it names, nothing saved.
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('alert').filter({ hasText: 'salesReps.1.id' }).waitFor();
    const repField = page.locator('.field', { has: page.getByLabel('Id of sales rep 2') });
    await expect(repField.locator('.field-error').textContent()).resolves.toContain('letters, digits');

    // Preview the unsaved rules over the leads it has: only the Fabrikam lead that is not ignored.
    await page.getByRole('button', { name: 'Preview' }).click();
    await status(/Looked at \d+ leads? not registered yet: 1 would be registered/).waitFor();
    const preview = page.getByRole('table').filter({ hasText: 'Rule group' });
    await preview.getByRole('link', { name: /Fabrikam/ }).waitFor();
    await expect(preview.getByRole('row').count()).resolves.toBe(2);
    await h.look(page, 'partner-settings');

    await page.getByLabel('Id of sales rep 2').fill('sam');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await status(/^Saved/).waitFor();
    const saved = (await get('/v1/partner/settings', ptr)).settings;
    expect(saved.leadOwners).toContainEqual({
      email: `owner.${tag}@northwind-partner.example`,
      name: 'Owner Two',
    });
    expect(saved.salesReps.map((r: Json) => r.id)).toEqual(['robin', 'sam']);
    expect(saved.autoRegistration).toEqual({
      mode: 'own',
      groups: [
        { name: 'Fabrikam', conditions: [{ field: 'company', op: 'contains', value: `fabrikam ${tag}` }] },
      ],
    });
    expect(saved.ignoredCompanies).toEqual([`Fabrikam ${tag} Labs`]);

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Apply: register them' }).click();
    await status('Registered 1 lead.').waitFor();
    await status(/^Done: .* 1 registered/).waitFor();
    const registration = async (id: string) => (await get(`/v1/leads/${id}`, ptr)).lead.registration;
    expect(await registration(fabrikam)).toMatchObject({
      status: 'registered',
      by: 'rules',
      group: 'Fabrikam',
    });
    expect((await registration(ignored)).status).toBe('unregistered');
    expect((await registration(other)).status).toBe('unregistered');
    await h.look(page, 'partner-settings-applied');

    // The supplier's rules, read-only, when the partner follows them.
    const rules = await api(h.endpoints.api, 'PUT', '/v1/registration-rules', sup, {
      groups: [{ name: 'Big accounts', conditions: [{ field: 'score', op: 'gte', value: 80 }] }],
    });
    expect(rules.status).toBe(200);
    await page.reload();
    await heading('Settings');
    await page.getByLabel('The supplier’s registration rules').check();
    await page.getByText('Big accounts: Score is at least “80”').waitFor();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await status(/^Saved/).waitFor();
    expect((await get('/v1/partner/settings', ptr)).settings.autoRegistration.mode).toBe('supplier');
    await h.look(page, 'partner-settings-supplier');
    expect(h.browserErrors).toEqual([]);
  });

  it('sets its own time zone for its deadlines: whole hours are needed while the supplier has none', async () => {
    await goTo('Settings', 'Settings');
    await page.getByLabel('My time zone (optional)').fill('Europe/London');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText(/Open days: is required: the supplier has no business hours/).waitFor();
    expect((await get('/v1/partner/settings', ptr)).settings.businessHours).toBeUndefined();

    const hours = {
      timeZone: 'UTC',
      days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'],
      start: '09:00',
      end: '17:00',
    };
    expect((await api(h.endpoints.api, 'PATCH', '/v1/settings', sup, { businessHours: hours })).status).toBe(
      200,
    );
    await page.getByRole('button', { name: 'Save settings' }).click();
    await status(/^Saved/).waitFor();
    expect((await get('/v1/partner/settings', ptr)).settings.businessHours).toEqual({
      timeZone: 'Europe/London',
    });
    await h.look(page, 'partner-settings-hours');

    await page.getByLabel('My time zone (optional)').fill('');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await status(/^Saved/).waitFor();
    expect((await get('/v1/partner/settings', ptr)).settings).not.toHaveProperty('businessHours');
    expect((await api(h.endpoints.api, 'PATCH', '/v1/settings', sup, { businessHours: null })).status).toBe(
      200,
    );
  });

  it('finds no serious or critical accessibility violations', () => {
    expect(h.violations).toEqual([]);
  });
});
