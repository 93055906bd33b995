import { autoAcceptedLeadEmail } from '@leadrelay/core';
import { describe, expect, it } from 'vitest';

const now = new Date('2026-11-23T10:00:00Z');
const viewUrl = 'https://console.example.com/leads/01JLEAD';
const lead = {
  email: 'ada@engines.example',
  firstName: 'Ada',
  lastName: 'Lovelace',
  company: 'Analytical Engines',
  score: 50,
  customFields: { Budget: 5000, Notes: '<b>hot</b> & ready' },
};

function render(over: Partial<Parameters<typeof autoAcceptedLeadEmail>[0]> = {}) {
  return autoAcceptedLeadEmail({
    supplierName: 'Acme',
    partnerName: 'Bright Partners',
    lead,
    viewUrl,
    now,
    ...over,
  });
}

describe('autoAcceptedLeadEmail', () => {
  it('says in the subject that the lead was accepted automatically', () => {
    expect(render().subject).toBe(
      'New lead from Acme (accepted automatically): Ada Lovelace, Analytical Engines',
    );
  });

  it("explains that the partner's auto-accept setting accepted it", () => {
    const { html, text } = render();
    const sentence =
      'It was accepted automatically on Mon 23 Nov 2026, 10:00 UTC: Bright Partners has auto-accept turned on for leads from Acme.';
    expect(text).toContain(sentence);
    expect(html).toContain(sentence);
  });

  it('has no accept or reject links, and no deadline', () => {
    const { html, text } = render();
    expect(html).not.toMatch(/accept lead|reject/i);
    expect(text).not.toMatch(/accept this lead|reject/i);
    expect(text).not.toContain('Please respond');
    expect([...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1])).toEqual([viewUrl]);
  });

  it('has no links at all without a view URL', () => {
    const { html, text } = render({ viewUrl: undefined });
    expect(html).not.toContain('href=');
    expect(text).not.toMatch(/https?:/);
  });

  it('summarises the lead, escaped in HTML and plain in text', () => {
    const { html, text } = render();
    expect(html).toContain('>&lt;b&gt;hot&lt;/b&gt; &amp; ready</td>');
    expect(html).not.toContain('<b>hot</b>');
    expect(text).toContain(
      'Name: Ada Lovelace\nCompany: Analytical Engines\nEmail: ada@engines.example\nScore: 50',
    );
    expect(text).toContain('Notes: <b>hot</b> & ready');
    expect(text).toContain(`View the lead in Lead Relay:\n${viewUrl}`);
  });
});
