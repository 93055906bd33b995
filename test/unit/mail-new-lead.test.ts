import { type Lead, leadSummaryRows, newLeadEmail } from '@leadrelay/core';
import { describe, expect, it } from 'vitest';

const now = new Date('2026-11-23T10:00:00Z');
const deadline = new Date('2026-11-25T10:00:00Z');
const acceptUrl = 'https://relay.example.com/l/v1.k1.accept-token';
const rejectUrl = 'https://relay.example.com/l/v1.k1.reject-token';
const viewUrl = 'https://console.example.com/leads/01JLEAD';

function lead(over: Partial<Lead> = {}): Lead {
  return {
    id: '01JLEAD',
    supplierId: 'sup_1',
    type: 'distributed',
    email: 'ada@engines.example',
    firstName: 'Ada',
    lastName: 'Lovelace',
    company: 'Analytical Engines',
    title: 'Chief Mathematician',
    phone: '+44 20 7946 0000',
    city: 'London',
    country: 'GB',
    product: 'Difference Engine',
    campaign: 'Autumn 2026',
    score: 50,
    source: 'API',
    customFields: { Budget: 5000, 'Decision maker': true, Referrer: '', Empty: null },
    partnerId: 'par_1',
    partnerName: 'Bright Partners',
    distributionStatus: 'Pending',
    emailStatus: 'NotSent',
    rerouteCount: 0,
    assignmentVersion: 1,
    previousPartnerIds: [],
    displayEmail: 'ada@engines.example',
    history: [],
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    distributionStatusChangedAt: now.toISOString(),
    version: 1,
    ...over,
  };
}

function render(over: Partial<Parameters<typeof newLeadEmail>[0]> = {}) {
  return newLeadEmail({
    supplierName: 'Acme',
    partnerName: 'Bright Partners',
    lead: lead(),
    acceptUrl,
    rejectUrl,
    viewUrl,
    deadline,
    now,
    ...over,
  });
}

describe('leadSummaryRows', () => {
  it('lists the filled fields in order, then the custom fields, skipping empty values', () => {
    expect(leadSummaryRows(lead()).map((r) => [r.label, r.value, r.custom])).toEqual([
      ['Name', 'Ada Lovelace', false],
      ['Company', 'Analytical Engines', false],
      ['Title', 'Chief Mathematician', false],
      ['Email', 'ada@engines.example', false],
      ['Phone', '+44 20 7946 0000', false],
      ['Location', 'London, GB', false],
      ['Product', 'Difference Engine', false],
      ['Campaign', 'Autumn 2026', false],
      ['Score', '50', false],
      ['Budget', '5000', true],
      ['Decision maker', 'Yes', true],
    ]);
  });

  it('skips blank and whitespace-only values', () => {
    expect(
      leadSummaryRows({ firstName: '  ', company: '', city: ' ', state: 'CA', customFields: { X: '   ' } }),
    ).toEqual([{ label: 'Location', value: 'CA', custom: false }]);
  });
});

describe('newLeadEmail', () => {
  it('names the supplier and the lead in the subject', () => {
    expect(render().subject).toBe('New lead from Acme: Ada Lovelace, Analytical Engines');
  });

  it('falls back on the display email in the subject', () => {
    const { subject } = render({
      lead: lead({ firstName: undefined, lastName: undefined, company: undefined }),
    });
    expect(subject).toBe('New lead from Acme: ada@engines.example');
    const bare = render({ lead: { mobilePhone: '+1 555 0100' } });
    expect(bare.subject).toBe('New lead from Acme: +1 555 0100');
  });

  it('has a prominent Accept button and a Reject link', () => {
    const { html } = render();
    expect(html).toMatch(
      new RegExp(`<td align="center" bgcolor="#1a7f37"[^>]*><a href="${acceptUrl}"[^>]*>Accept lead</a>`),
    );
    expect(html).toMatch(new RegExp(`<a href="${rejectUrl}"[^>]*>Reject this lead</a>`));
    expect(html).toContain(`<a href="${viewUrl}"`);
  });

  it('summarises the lead in a table and leaves empty values out', () => {
    const { html } = render();
    for (const cell of [
      'Ada Lovelace',
      'Analytical Engines',
      'Chief Mathematician',
      'London, GB',
      '5000',
      'Yes',
    ]) {
      expect(html).toContain(`>${cell}</td>`);
    }
    expect(html).toContain('More details');
    expect(html).not.toContain('>Referrer<');
    expect(html).not.toContain('>Empty<');
    expect(html).not.toContain('>Mobile phone<');
  });

  it('states the deadline in words', () => {
    const { html, text } = render();
    const sentence = 'Please respond within 2 days — by Wed 25 Nov 2026, 10:00 UTC.';
    expect(html).toContain(sentence);
    expect(text).toContain(sentence);
  });

  it('asks for a response as soon as possible once the deadline has passed', () => {
    const { text } = render({ deadline: new Date(now.getTime() - 60_000) });
    expect(text).toContain('Please respond as soon as possible.\n');
    expect(text).not.toContain('If nobody acts by then');
  });

  it('uses the given time zone for the deadline', () => {
    expect(render({ timeZone: 'Europe/Berlin' }).text).toContain(
      'by Wed 25 Nov 2026, 11:00 (Europe/Berlin).',
    );
  });

  it('is a self-contained email: no script, no images, no external resources', () => {
    const { html } = render();
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|<img|<link|<style|src=|url\(/i);
    expect(html).toContain('role="presentation"');
  });

  it('writes the same content in the text part, with the URLs spelled out', () => {
    const { text } = render();
    expect(text).toContain(
      [
        'Name: Ada Lovelace',
        'Company: Analytical Engines',
        'Title: Chief Mathematician',
        'Email: ada@engines.example',
        'Phone: +44 20 7946 0000',
        'Location: London, GB',
        'Product: Difference Engine',
        'Campaign: Autumn 2026',
        'Score: 50',
        '',
        'More details',
        'Budget: 5000',
        'Decision maker: Yes',
      ].join('\n'),
    );
    expect(text).toContain(`Accept this lead:\n${acceptUrl}\n`);
    expect(text).toContain(`Reject this lead (you will be asked for a reason):\n${rejectUrl}\n`);
    expect(text).toContain(`View the lead in Lead Relay:\n${viewUrl}\n`);
    expect(text).not.toMatch(/<[a-z]/i);
  });

  it('leaves the view link out when there is none', () => {
    const { html, text } = render({ viewUrl: undefined });
    expect(text).not.toContain('View the lead');
    expect(html).not.toContain('View the lead');
  });
});
