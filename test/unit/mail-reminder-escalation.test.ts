import { escalationEmail, formatDateTime, reminderEmail } from '@leadrelay/core';
import { describe, expect, it } from 'vitest';

/** The reminder and escalation emails: what they say, the deadline in the partner's zone, everything escaped. */

const hostile = {
  firstName: '<script>alert(1)</script>',
  lastName: 'O"Brien',
  company: 'Acme & <Sons>',
  email: 'ada@acme.example',
  displayEmail: 'ada@acme.example',
};
const now = new Date('2026-12-07T20:30:00Z');
const deadline = new Date('2026-12-07T21:30:00Z');

describe('the reminder email', () => {
  const render = (timeZone?: string) =>
    reminderEmail({
      supplierName: 'Acme <Corp>',
      partnerName: 'North\r\nBcc: x@evil.example',
      lead: hostile,
      acceptUrl: 'https://relay.example/l/accept-token',
      rejectUrl: 'https://relay.example/l/reject-token',
      deadline,
      now,
      timeZone,
    });

  it('starts its subject with "Reminder:" on one line, and carries both links', () => {
    const email = render();
    expect(email.subject).toMatch(/^Reminder: /);
    expect(email.subject).not.toMatch(/[\r\n]/);
    expect(email.text).toContain('https://relay.example/l/accept-token');
    expect(email.text).toContain('https://relay.example/l/reject-token');
    expect(email.html).toContain('href="https://relay.example/l/accept-token"');
  });

  it('shows the deadline in the partner’s time zone, named in full', () => {
    expect(render('America/New_York').text).toContain('by Mon 7 Dec 2026, 16:30 (America/New_York)');
    expect(render().text).toContain('by Mon 7 Dec 2026, 21:30 UTC');
  });

  it('escapes every value of the lead and the tenants', () => {
    const { html } = render();
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('Acme &amp; &lt;Sons&gt;');
    expect(html).toContain('Acme &lt;Corp&gt;');
    expect(html).toContain('O&quot;Brien');
  });
});

describe('the escalation email', () => {
  const render = (reason: 'max-reroutes' | 'no-eligible-partner' | 'bounced', detail?: string) =>
    escalationEmail({
      supplierName: 'Acme',
      lead: { id: 'L1', ...hostile },
      reason,
      partnerName: 'North <Ltd>',
      detail,
      consoleUrl: 'https://relay.example/console/leads/L1',
      now,
      timeZone: 'Europe/London',
    });

  it('says why, names the lead and links to it in the console', () => {
    const email = render('no-eligible-partner');
    expect(email.subject).toMatch(/^Action needed: /);
    expect(email.text).toContain('ran out of partners');
    expect(email.text).toContain('Display email: ada@acme.example');
    expect(email.text).toContain('https://relay.example/console/leads/L1');
    expect(email.text).toContain('Mon 7 Dec 2026, 20:30 (Europe/London)');
    expect(render('max-reroutes').text).toContain('rerouted as often as you allow');
    expect(render('bounced', 'smtp; 550 <user> unknown').text).toContain('smtp; 550 <user> unknown');
  });

  it('escapes the lead, the partner and the mail server’s words', () => {
    const { html } = render('bounced', '<img src=x onerror=alert(1)>');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('North &lt;Ltd&gt;');
  });

  it('refuses a console link that is not http(s)', () => {
    expect(() =>
      escalationEmail({
        supplierName: 'Acme',
        lead: { id: 'L1' },
        reason: 'bounced',
        consoleUrl: 'javascript:alert(1)',
        now,
      }),
    ).toThrow(/consoleUrl/);
  });
});

describe('times in emails', () => {
  it('name a zone in full, and UTC as UTC (also for its aliases)', () => {
    expect(formatDateTime(new Date('2026-12-07T21:30:00Z'), 'America/New_York')).toBe(
      'Mon 7 Dec 2026, 16:30 (America/New_York)',
    );
    expect(formatDateTime(new Date('2026-12-07T21:30:00Z'), 'Asia/Kathmandu')).toBe(
      'Tue 8 Dec 2026, 03:15 (Asia/Kathmandu)',
    );
    expect(formatDateTime(new Date('2026-12-07T21:30:00Z'), 'Etc/UTC')).toBe('Mon 7 Dec 2026, 21:30 UTC');
  });
});
