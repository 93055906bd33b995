import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type ConsoleHarness, startConsole, waitFor } from './support/console';
import { type Received, signedBy, startReceiver, type WebhookReceiver } from './support/webhook-receiver';

// biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
type Json = any;

const PARTNER = 'Northwind Partners';

/**
 * Webhooks in the console, in Chromium against `npm start`, with a receiver on 127.0.0.1
 * that verifies with the standardwebhooks package: a supplier admin creates a webhook and
 * copies its secret, shown once; a test event and a lead's events arrive signed by it and
 * show in the delivery log; a receiver that fails shows the failed attempt, and a
 * redelivery after it is fixed arrives under the same webhook-id; a rotation signs with
 * both secrets; bad input is named at its field; the log pages by its cursor; a partner admin
 * sees only its own webhooks.
 * Retries wait a second at most here (WEBHOOK_RETRY_BASE_SECONDS), so the log moves quickly.
 */
describe('console: webhooks', () => {
  let h: ConsoleHarness;
  let receiver: WebhookReceiver;
  let sup: string;

  beforeAll(async () => {
    receiver = await startReceiver();
    h = await startConsole('webhooks', { env: { WEBHOOK_RETRY_BASE_SECONDS: '1' } });
    const demo = h.endpoints.demo;
    if (!demo) throw new Error('the local cloud seeded no demo');
    sup = demo.supplierKey;
  });
  afterAll(async () => {
    await h?.stop();
    await receiver?.close();
  });

  const heading = (page: Page, name: string) => page.getByRole('heading', { level: 1, name }).waitFor();
  const at = (path: string) => receiver.received.filter((r) => r.path === path);
  const secretIn = (page: Page, label: string) => page.getByLabel(label, { exact: true }).inputValue();

  /** Opens Webhooks, creates one to `path` for `events` and opens it; answers its secret and id. */
  async function create(page: Page, path: string, events: string[], description: string) {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click();
    await heading(page, 'Webhooks');
    await page.getByRole('button', { name: 'New webhook' }).click();
    const form = page.getByRole('form', { name: 'New webhook' });
    await form.getByLabel('URL').fill(`${receiver.url}${path}`);
    for (const event of events) await form.getByRole('checkbox', { name: event }).check();
    await form.getByLabel('Description (optional)').fill(description);
    await form.getByRole('button', { name: 'Create webhook' }).click();
    await page.getByRole('heading', { name: /Created the webhook to/ }).waitFor();
    const secret = await secretIn(page, 'Signing secret');
    expect(secret).toMatch(/^whsec_/);
    await page.getByRole('link', { name: 'Open the webhook' }).click();
    await page.getByRole('heading', { level: 1, name: new RegExp(`${path}\\b`) }).waitFor();
    const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
    return { secret, id };
  }

  /** The row of the delivery log for `eventType` (the newest such). */
  const logRow = (page: Page, eventType: string) =>
    page
      .getByRole('table', { name: 'Delivery log' })
      .getByRole('row')
      .filter({ has: page.getByText(eventType, { exact: true }) })
      .first();

  it('creates a webhook with its secret shown once, sends a test event and a lead’s events, signed, into the log', async () => {
    const { page } = await h.newPage();
    await h.signIn(page, h.person('supplier'));
    const { secret, id } = await create(page, '/crm', ['lead.created', 'lead.routed'], 'The CRM');
    await h.look(page, 'webhook');

    // The secret is not on the webhook's page, nor on the list when it is opened again.
    await expect(page.getByRole('textbox', { name: 'Signing secret', exact: true }).count()).resolves.toBe(0);
    expect(await page.content()).not.toContain(secret);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click();
    await heading(page, 'Webhooks');
    const listed = page.getByRole('link', { name: `${receiver.url}/crm`, exact: true });
    await listed.waitFor();
    expect(await page.content()).not.toContain(secret);
    await listed.click();
    await page.getByRole('heading', { level: 1, name: /\/crm\b/ }).waitFor();

    await page.getByRole('button', { name: 'Send test event' }).click();
    const test = await waitFor(
      () => at('/crm').find((r) => r.json?.type === 'webhook.test'),
      'the test event at the receiver',
    );
    expect(signedBy(test, secret)).toBe(true);
    await page.getByRole('status').filter({ hasText: 'Test event delivered' }).waitFor();

    const demo = h.endpoints.demo as NonNullable<typeof h.endpoints.demo>;
    const posted = await api(h.endpoints.api, 'POST', '/v1/leads', sup, {
      email: `hook.${crypto.randomUUID().slice(0, 8)}@buyer.example`,
      company: 'Hooked Ltd',
      partnerId: demo.partnerIds[PARTNER],
    });
    expect(posted.status).toBe(201);
    const leadId: string = (posted.body as Json).lead.id;
    const lead = (type: string) => (r: Received) => r.json?.type === type && r.json.data?.lead?.id === leadId;
    const created = await waitFor(() => at('/crm').find(lead('lead.created')), 'lead.created');
    const routed = await waitFor(() => at('/crm').find(lead('lead.routed')), 'lead.routed');
    expect([signedBy(created, secret), signedBy(routed, secret)]).toEqual([true, true]);
    // Only the events chosen: the email went out (lead.notified) but was not asked for.
    expect(
      at('/crm')
        .filter((r) => r.json?.data?.lead?.id === leadId)
        .map((r) => r.json?.type),
    ).toEqual(['lead.created', 'lead.routed']);

    await page.getByRole('button', { name: 'Refresh' }).click();
    const row = logRow(page, 'lead.created');
    await row.getByRole('link', { name: `Lead ${leadId}` }).waitFor();
    await expect(row.textContent()).resolves.toMatch(/Delivered.*1.*200/);
    expect(id).toMatch(/^[0-9A-Z]{26}$/);
    expect(h.browserErrors).toEqual([]);
  });

  it('shows a failed attempt, and a redelivery once the receiver is fixed arrives under the same webhook-id', async () => {
    const { page } = await h.newPage();
    await h.signIn(page, h.person('supplier'));
    const { secret } = await create(page, '/down', ['lead.created'], 'Down for now');
    receiver.answer('/down', 503);
    const posted = await api(h.endpoints.api, 'POST', '/v1/leads', sup, {
      email: `down.${crypto.randomUUID().slice(0, 8)}@buyer.example`,
      company: 'Downtime Inc',
    });
    expect(posted.status).toBe(201);
    const first = await waitFor(() => at('/down')[0], 'the first attempt');

    // The log shows the 503 once it is refreshed (then by itself while the delivery is retried).
    const row = logRow(page, 'lead.created');
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Refresh' }).click();
          return (await row.count()) ? await row.textContent() : '';
        },
        { timeout: 30_000 },
      )
      .toMatch(/Retrying.*503/);
    await h.look(page, 'webhook-failing');

    receiver.answer('/down', 200);
    await row.getByRole('button', { name: /^Redeliver lead\.created/ }).click();
    await page.getByRole('status').filter({ hasText: 'Redelivery of lead.created delivered' }).waitFor();
    const delivered = at('/down').filter((r) => r.headers['webhook-id'] === first.headers['webhook-id']);
    expect(delivered.length).toBeGreaterThanOrEqual(2);
    expect(signedBy(delivered[delivered.length - 1] as Received, secret)).toBe(true);
    await expect
      .poll(async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        return row.textContent();
      })
      .toMatch(/Delivered/);
    expect(h.browserErrors).toEqual([]);
  });

  it('rotates the secret: the new one is shown once, and both sign during the overlap', async () => {
    const { page } = await h.newPage();
    await h.signIn(page, h.person('supplier'));
    const { secret: old } = await create(page, '/rotate', ['lead.created'], 'Rotating');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('heading', { name: 'New signing secret' }).waitFor();
    const fresh = await secretIn(page, 'New signing secret');
    expect(fresh).toMatch(/^whsec_/);
    expect(fresh).not.toBe(old);

    await page.getByRole('button', { name: 'Send test event' }).click();
    const test = await waitFor(
      () => at('/rotate').find((r) => r.json?.type === 'webhook.test'),
      'the test event after the rotation',
    );
    expect([signedBy(test, fresh), signedBy(test, old)]).toEqual([true, true]);
    expect(String(test.headers['webhook-signature']).split(' ')).toHaveLength(2);
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await expect(
      page.getByRole('textbox', { name: 'New signing secret', exact: true }).count(),
    ).resolves.toBe(0);
    await page.getByText(/previous secret still signs until/).waitFor();
  });

  it('names the field of bad input: no event chosen, a URL with a password, an ftp URL', async () => {
    const { page } = await h.newPage();
    await h.signIn(page, h.person('supplier'));
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click();
    await heading(page, 'Webhooks');
    await page.getByRole('button', { name: 'New webhook' }).click();
    const form = page.getByRole('form', { name: 'New webhook' });
    await form.getByLabel('URL').fill('https://user:secret@crm.example/hooks');
    await form.getByRole('button', { name: 'Create webhook' }).click();
    // Each error at its field (the note above the buttons lists them too).
    await form
      .getByRole('group', { name: 'Events' })
      .getByText('must name at least one event type')
      .waitFor();
    await form
      .locator('.field')
      .filter({ has: page.getByLabel('URL') })
      .getByText('must not hold a user name or password')
      .waitFor();
    await h.axe(page, 'webhook-errors');
    // Another scheme: the API's words at the URL, and the person lands there to fix it.
    await form.getByLabel('URL').fill('ftp://x');
    await form.getByRole('checkbox', { name: 'lead.created' }).check();
    await form.getByRole('button', { name: 'Create webhook' }).click();
    await form
      .locator('.field')
      .filter({ has: page.getByLabel('URL') })
      .getByText('must be an http or https URL')
      .waitFor();
    await expect(form.getByRole('group', { name: 'Events' }).locator('.field-error').count()).resolves.toBe(
      0,
    );
    await expect.poll(() => page.evaluate("document.activeElement?.getAttribute('name')")).toBe('url');
    const hooks = (await api(h.endpoints.api, 'GET', '/v1/webhooks', sup)).body as Json;
    expect(hooks.items.map((w: Json) => w.url)).not.toContain('ftp://x');
    expect(h.violations).toEqual([]);
  });

  it('pages the delivery log by its cursor: 25 newest first, then the rest, and back', async () => {
    const { page } = await h.newPage();
    await h.signIn(page, h.person('supplier'));
    const { id } = await create(page, '/many', ['lead.created'], 'Many tests');
    // 26 test events through the API, as an integrator checking its receiver might send them.
    for (let i = 0; i < 26; i++) {
      const sent = await api(h.endpoints.api, 'POST', `/v1/webhooks/${id}/test`, sup);
      expect(sent.status).toBe(200);
    }
    await page.getByRole('button', { name: 'Refresh' }).click();
    const log = page.getByRole('table', { name: 'Delivery log' });
    const pages = page.getByRole('navigation', { name: 'Delivery log pages' });
    const rows = () => log.locator('tbody tr').count();
    await expect.poll(rows).toBe(25);
    await pages.getByText('Page 1 · 25 shown').waitFor();
    await pages.getByRole('button', { name: 'Next' }).click();
    await pages.getByText('Page 2 · 1 shown').waitFor();
    await expect.poll(rows).toBe(1);
    await expect(pages.getByRole('button', { name: 'Next' }).isDisabled()).resolves.toBe(true);
    // The one on page 2 is the oldest: the first test event the receiver got.
    const oldest = at('/many')[0]?.headers['webhook-id'];
    const firstPage = (await api(h.endpoints.api, 'GET', `/v1/webhooks/${id}/deliveries?limit=25`, sup))
      .body as Json;
    const rest = (
      await api(
        h.endpoints.api,
        'GET',
        `/v1/webhooks/${id}/deliveries?limit=25&cursor=${encodeURIComponent(firstPage.nextCursor)}`,
        sup,
      )
    ).body as Json;
    expect(rest.items.map((d: Json) => d.id)).toEqual([oldest]);
    await pages.getByRole('button', { name: 'Previous' }).click();
    await pages.getByText('Page 1 · 25 shown').waitFor();
    expect(h.browserErrors).toEqual([]);
  });

  it('shows a partner admin only its own webhooks', async () => {
    const { page } = await h.newPage();
    await h.signIn(page, h.person(PARTNER));
    await create(page, '/partner', ['lead.accepted'], 'Partner CRM');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click();
    const table = page.getByRole('table', { name: 'Webhooks' });
    await table.getByText('Partner CRM').waitFor();
    const urls = await table.locator('.webhook-url').allTextContents();
    expect(urls).toEqual([`${receiver.url}/partner`]);
    // The supplier's are not the partner's, by the API either.
    const supplierHooks = (await api(h.endpoints.api, 'GET', '/v1/webhooks', sup)).body as Json;
    expect(supplierHooks.items.map((w: Json) => w.url)).not.toContain(`${receiver.url}/partner`);
    expect(supplierHooks.items.length).toBeGreaterThanOrEqual(3);
    expect(h.violations).toEqual([]);
    expect(h.browserErrors).toEqual([]);
  });
});
