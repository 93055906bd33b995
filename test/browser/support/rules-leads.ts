/**
 * Leads for the routing rules and reports screens: a spread of countries, sources and
 * scores; some sent to partners who accept (and win opportunities), reject or leave them
 * Pending; the rest Unassigned. Made over the API with the demo keys, as an integrator would.
 */
export interface DemoKeys {
  api: string;
  supplierKey: string;
  partners: { id: string; name: string; key: string }[];
}

async function call(api: string, key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(new URL(path, api), {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

const COUNTRIES = ['SE', 'NO', 'DE', 'FR', 'US', 'DE', 'SE', 'GB'];
const SOURCES = ['API', 'Manual', 'Integration'] as const;
const REASONS = ['Out of territory', 'Duplicate', 'Not a fit'];

export interface Seeded {
  ids: string[];
  /** How many the partners rejected, and how many became opportunities (and their value, USD). */
  rejected: number;
  opportunities: number;
  value: number;
}

/** Makes `count` leads; a quarter stay Unassigned. Answers what the reports should come to count. */
export async function seedLeads(keys: DemoKeys, count = 24, tag = 'demo'): Promise<Seeded> {
  const { api, supplierKey, partners } = keys;
  const leads = Array.from({ length: count }, (_, i) => {
    const partner = i % 4 === 3 ? undefined : partners[i % partners.length];
    return {
      email: `lead${i}.${tag}@example${i % 4}.com`,
      firstName: `Lead${i}`,
      company: `Company ${i % 6}`,
      country: COUNTRIES[i % COUNTRIES.length],
      score: 30 + ((i * 7) % 70),
      source: SOURCES[i % SOURCES.length],
      ...(partner ? { partnerId: partner.id } : {}),
    };
  });
  // A batch takes one source for all its leads: one batch per source.
  const made: { lead: { id: string; partnerId: string | null; distributionStatus: string } }[] = [];
  for (const source of SOURCES) {
    const batch = await call(api, supplierKey, 'POST', '/v1/leads/batch', {
      leads: leads.filter((l) => l.source === source),
    });
    made.push(...batch.results);
  }
  // Partners act on theirs, in turn: accept and win an opportunity, accept and contact, reject, leave Pending.
  let n = 0;
  const seeded: Seeded = { ids: made.map((m) => m.lead.id), rejected: 0, opportunities: 0, value: 0 };
  for (const { lead } of made) {
    const partner = partners.find((p) => p.id === lead.partnerId);
    if (!partner) continue;
    const turn = n++ % 4;
    if (turn === 3) continue; // left Pending
    if (turn === 2 && lead.distributionStatus === 'Pending') {
      await call(api, partner.key, 'POST', `/v1/leads/${lead.id}/reject`, {
        reason: REASONS[n % REASONS.length],
      });
      seeded.rejected++;
      continue;
    }
    // An auto-accept partner has it Accepted already.
    if (lead.distributionStatus !== 'Accepted') {
      await call(api, partner.key, 'POST', `/v1/leads/${lead.id}/accept`, {});
    }
    const amount = 1000 * (1 + (n % 5));
    await call(
      api,
      partner.key,
      'PATCH',
      `/v1/leads/${lead.id}`,
      turn === 0
        ? { pipelineStatus: 'Opportunity', opportunityValue: { amount, currency: 'USD' } }
        : { pipelineStatus: 'Contacted' },
    );
    if (turn === 0) {
      seeded.opportunities++;
      seeded.value += amount;
    }
  }
  return seeded;
}
