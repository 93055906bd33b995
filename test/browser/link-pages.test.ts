import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalEndpoints } from '@leadrelay/local';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type CloudProcess, startCloudProcess, waitFor } from '../e2e/support/local-cloud-process';

// biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
type Json = any;

/**
 * The Accept and Reject pages of the email links in a real browser: Debian's
 * Chromium driven by playwright-core, JavaScript off (the pages must work
 * without it), against the local cloud. The links come from the partner's email
 * in the SES emulator's mailbox, as a partner would click them.
 */
describe('email link pages in Chromium', () => {
  let home: string;
  let cloud: CloudProcess;
  let endpoints: LocalEndpoints;
  let browser: Browser;
  let context: BrowserContext;
  let sup: string;
  const owner = `browser-${crypto.randomUUID().slice(0, 8)}@partners.example`;
  const violations: string[] = [];

  const lead = async (id: string): Promise<Json> =>
    ((await api(endpoints.api, 'GET', `/v1/leads/${id}`, sup)).body as Json).lead;

  /** A new lead for the partner, and the Accept and Reject links of its email. */
  const leadWithLinks = async () => {
    const res = await api(endpoints.api, 'POST', '/v1/leads', sup, {
      email: `${crypto.randomUUID()}@buyer.example`,
      firstName: 'Grace',
      company: 'Hopper & <Sons>',
      partnerId: 'Browsers Inc',
    });
    const id = (res.body as Json).lead.id as string;
    const text = await waitFor(
      async () => {
        const mailbox = await fetch(`${endpoints.mailbox}?to=${encodeURIComponent(owner)}`);
        const { emails } = (await mailbox.json()) as { emails: Json[] };
        return emails.find((e) => e.tags.leadId === id)?.body.text as string | undefined;
      },
      `the email for ${id}`,
      30_000,
    );
    const [accept = '', reject = ''] = [...text.matchAll(/https?:\/\/\S+\/l\/[A-Za-z0-9_.-]+/g)].map(
      (m) => m[0],
    );
    return { id, accept, reject };
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'leadrelay-browser-'));
    cloud = await startCloudProcess(home);
    endpoints = cloud.endpoints;
    const created = await api(endpoints.api, 'POST', '/v1/admin/suppliers', endpoints.operatorKey, {
      name: 'Browser E2E',
    });
    sup = (created.body as Json).apiKey;
    const partner = await api(endpoints.api, 'POST', '/v1/partners', sup, {
      name: 'Browsers Inc',
      leadOwners: [{ email: owner }],
    });
    expect(partner.status).toBe(201);
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      // Root in CI has no sandbox; the rest keeps Chromium off the (closed) network.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    context = await browser.newContext({ javaScriptEnabled: false });
    context.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await cloud?.kill();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('shows the lead on the Accept link without changing it, and accepts with one click', async () => {
    const { id, accept } = await leadWithLinks();
    const page = await context.newPage();
    const shown = await page.goto(accept);
    expect(shown?.status()).toBe(200);
    expect(shown?.headers()['content-security-policy']).toContain("default-src 'none'");
    await expect.poll(() => page.title()).toBe('Accept this lead?');
    expect(await page.textContent('body')).toContain('Hopper & <Sons>');
    expect((await lead(id)).distributionStatus).toBe('Pending');

    await page.getByRole('button', { name: 'Accept lead' }).click();
    await page.waitForURL(accept);
    expect(await page.locator('h2').first().textContent()).toBe('Lead accepted');
    expect(await lead(id)).toMatchObject({ distributionStatus: 'Accepted' });

    // Back and submit again: the page says it is decided (409), nothing changes.
    const again = await page.goto(accept);
    expect(again?.status()).toBe(409);
    expect(await page.textContent('body')).toContain('already accepted');
    expect(violations).toEqual([]);
  });

  it('rejects from the Accept link’s page, opened with a trailing slash: the form posts back to that page', async () => {
    const { id, accept } = await leadWithLinks();
    const page = await context.newPage();
    const slashed = `${accept}/`;
    await page.goto(slashed);
    await expect.poll(() => page.title()).toBe('Accept this lead?');

    await page.fill('#reason', 'Opened with a slash');
    await page.getByRole('button', { name: 'Reject lead' }).click();

    await expect.poll(() => page.locator('h2').first().textContent()).toBe('Lead rejected');
    expect(page.url()).toBe(slashed);
    expect(await lead(id)).toMatchObject({
      distributionStatus: 'Rejected',
      rejectReason: 'Opened with a slash',
    });
  });

  it('asks for a reason on the Reject link: the browser will not send it empty, and it rejects with one', async () => {
    const { id, reject } = await leadWithLinks();
    const page = await context.newPage();
    await page.goto(reject);
    await expect.poll(() => page.title()).toBe('Reject this lead?');

    // The reason is required: without it the form is not sent and the lead stays Pending.
    await page.getByRole('button', { name: 'Reject lead' }).click();
    expect(
      await page
        .locator('#reason')
        .evaluate((el) => (el as unknown as { validity: { valueMissing: boolean } }).validity.valueMissing),
    ).toBe(true);
    expect(await page.title()).toBe('Reject this lead?');
    expect((await lead(id)).distributionStatus).toBe('Pending');

    await page.fill('#reason', 'We do not cover that region');
    await page.getByRole('button', { name: 'Reject lead' }).click();
    await expect.poll(() => page.locator('h2').first().textContent()).toBe('Lead rejected');
    expect(await lead(id)).toMatchObject({
      distributionStatus: 'Rejected',
      rejectReason: 'We do not cover that region',
    });
  });
});
