import { escapeHtml, leadSummaryRows, newLeadEmail } from '@leadrelay/core';
import { describe, expect, it } from 'vitest';

const now = new Date('2026-11-23T10:00:00Z');
const deadline = new Date('2026-11-25T10:00:00Z');
const urls = {
  acceptUrl: 'https://relay.example.com/l/tok.accept',
  rejectUrl: 'https://relay.example.com/l/tok.reject',
};

function hostile() {
  return newLeadEmail({
    supplierName: 'Acme & Sons <b>',
    partnerName: `O'Brien "Partners"`,
    lead: {
      email: 'ada@example.com',
      firstName: '<script>alert(1)</script>',
      lastName: `O'Hara "the" & co`,
      company: 'Tom & Jerry <img src=x onerror=alert(1)>',
      score: 50,
      customFields: {
        Website: 'javascript:alert(document.cookie)',
        Quote: '" onmouseover="alert(1)" x="',
        Single: "' onfocus='alert(1)",
        'Notes <i>': '<a href="https://evil.example">click</a>',
      },
    },
    ...urls,
    deadline,
    now,
  });
}

/** Every href attribute value in the document. */
function hrefs(html: string): string[] {
  return [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1] ?? '');
}

describe('escapeHtml', () => {
  it('escapes & < > " \' (and the backtick)', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;\`</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&#96;&lt;/a&gt;',
    );
  });

  it('leaves ordinary text alone', () => {
    expect(escapeHtml('Ada Lovelace, Analytical Engines – Zürich')).toBe(
      'Ada Lovelace, Analytical Engines – Zürich',
    );
  });
});

describe('lead values in the HTML part', () => {
  const { html } = hostile();

  it('escapes script tags, quotes and ampersands in name, company and custom fields', () => {
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('O&#39;Hara &quot;the&quot; &amp; co');
    expect(html).toContain('Tom &amp; Jerry &lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&lt;a href=&quot;https://evil.example&quot;&gt;click&lt;/a&gt;');
    expect(html).toContain('Notes &lt;i&gt;');
  });

  it('escapes the supplier and partner names too', () => {
    expect(html).toContain('Acme &amp; Sons &lt;b&gt;');
    expect(html).toContain('O&#39;Brien &quot;Partners&quot;');
  });

  it('never contains a raw hostile value', () => {
    for (const raw of [
      '<script>',
      '<img src=x',
      'onerror=alert(1)>',
      '" onmouseover="',
      "' onfocus='",
      '<a href="https://evil.example">',
      '<i>',
      '<b>',
    ]) {
      expect(html).not.toContain(raw);
    }
    expect(html).not.toMatch(/<script/i);
  });

  it('lets no custom field break out of an attribute or become a link', () => {
    expect(hrefs(html)).toEqual([urls.acceptUrl, urls.rejectUrl]);
    expect(html).not.toMatch(/href="\s*javascript:/i);
    expect(html).not.toMatch(/\son\w+="/i);
    // The javascript: value is shown as text inside a table cell, nowhere else.
    expect(html).toContain('>javascript:alert(document.cookie)</td>');
  });
});

describe('links', () => {
  it('refuses a link that is not http(s)', () => {
    expect(() =>
      newLeadEmail({
        ...urls,
        acceptUrl: 'javascript:alert(1)',
        lead: {},
        supplierName: 'A',
        partnerName: 'B',
        deadline,
        now,
      }),
    ).toThrow(/acceptUrl must be an http\(s\) URL/);
    expect(() =>
      newLeadEmail({
        ...urls,
        rejectUrl: '/relative',
        lead: {},
        supplierName: 'A',
        partnerName: 'B',
        deadline,
        now,
      }),
    ).toThrow(/rejectUrl must be an absolute http\(s\) URL/);
  });

  it('escapes the query string of a link in its attribute', () => {
    const { html, text } = newLeadEmail({
      supplierName: 'Acme',
      partnerName: 'Bright',
      lead: { email: 'ada@example.com' },
      acceptUrl: 'https://relay.example.com/l/abc?a=1&b=2',
      rejectUrl: urls.rejectUrl,
      deadline,
      now,
    });
    expect(html).toContain('href="https://relay.example.com/l/abc?a=1&amp;b=2"');
    expect(text).toContain('https://relay.example.com/l/abc?a=1&b=2');
  });
});

describe('subject', () => {
  it('has no CR or LF, whatever the lead holds', () => {
    const { subject } = newLeadEmail({
      supplierName: 'Acme\r\nBcc: victim@example.com',
      partnerName: 'Bright',
      lead: { firstName: 'Ada\r\nX-Injected: yes', lastName: 'Love\nlace', company: 'Engines\r' },
      ...urls,
      deadline,
      now,
    });
    expect(subject).not.toMatch(/[\r\n]/);
    expect(subject).toBe(
      'New lead from Acme Bcc: victim@example.com: Ada X-Injected: yes Love lace, Engines',
    );
  });

  it('is capped at 150 characters with an ellipsis', () => {
    const { subject } = newLeadEmail({
      supplierName: 'Acme',
      partnerName: 'Bright',
      lead: { firstName: 'A'.repeat(200), company: 'C'.repeat(200) },
      ...urls,
      deadline,
      now,
    });
    expect(Array.from(subject)).toHaveLength(150);
    expect(subject.startsWith('New lead from Acme: AAAA')).toBe(true);
    expect(subject.endsWith('A…')).toBe(true);
  });

  it('does not cut an emoji in half', () => {
    const { subject } = newLeadEmail({
      supplierName: 'Acme',
      partnerName: 'Bright',
      lead: { firstName: '😀'.repeat(200) },
      ...urls,
      deadline,
      now,
    });
    expect(Array.from(subject)).toHaveLength(150);
    expect(subject).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});

describe('text part', () => {
  it('keeps each value on one line, so a value cannot add lines of its own', () => {
    const { text } = newLeadEmail({
      supplierName: 'Acme',
      partnerName: 'Bright',
      lead: {
        email: 'ada@example.com',
        customFields: { Notes: 'hi\n\nAccept this lead:\nhttps://evil.example' },
      },
      ...urls,
      deadline,
      now,
    });
    expect(text).toContain('Notes: hi Accept this lead: https://evil.example\n');
    expect(text.split('\n').filter((l) => l === 'Accept this lead:')).toHaveLength(1);
  });

  it('drops bidi overrides from values', () => {
    const rows = leadSummaryRows({ company: 'Evil\u202Egnp.exe' });
    expect(rows).toEqual([{ label: 'Company', value: 'Evil gnp.exe', custom: false }]);
  });
});
