import type {
  DistributionStatus,
  EmailStatus,
  Lead,
  LeadSource,
  LeadStore,
  LeadType,
  PipelineStatus,
} from '@leadrelay/core';
import { displayEmail, newId } from '@leadrelay/core';
import { seededRandom } from './random';

/**
 * Leads for the All Leads view's tests and bench: one supplier, PARTNERS partners in
 * groups, a spread of types, sources, statuses, email statuses, pipeline, dates over
 * 120 days and custom fields like a supplier's (seeded: the same leads run after run).
 */
export const VIEW_PARTNERS = 20;
export const VIEW_DAYS = 120;
/** The newest possible createdAt / updatedAt. */
export const VIEW_NOW = new Date('2030-06-01T00:00:00.000Z');

export interface ViewPartner {
  id: string;
  name: string;
  groups: string[];
}

/** P01..P20; `region-<1..5>` of 4 partners each, `gold` the first 3, `silver` the next 10. */
export function viewPartners(): ViewPartner[] {
  return Array.from({ length: VIEW_PARTNERS }, (_, i) => {
    const n = String(i + 1).padStart(2, '0');
    const groups = [`region-${Math.floor(i / 4) + 1}`];
    if (i < 3) groups.push('gold');
    else if (i < 13) groups.push('silver');
    return { id: `P${n}`, name: `Partner ${n}`, groups };
  });
}

export function groupPartners(partners: readonly ViewPartner[]): (group: string) => string[] {
  return (group) => partners.filter((p) => p.groups.includes(group)).map((p) => p.id);
}

function pick<T>(random: () => number, weighted: readonly (readonly [T, number])[]): T {
  const total = weighted.reduce((s, [, w]) => s + w, 0);
  let r = random() * total;
  for (const [value, w] of weighted) {
    r -= w;
    if (r < 0) return value;
  }
  return weighted[weighted.length - 1]?.[0] as T;
}

const FIRST = ['José', 'Ada', 'Jürgen', 'Marie', 'Søren', 'Chloé', 'Li', 'Omar', 'Grace', 'Ann'];
const LAST = ['Müller', 'García', 'Smith', 'Øberg', 'Dubois', 'Nguyen', 'Rossi', 'Kowalski', 'Brown'];
const COMPANIES = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark', 'Wayne', 'Soylent'];
const COUNTRIES = ['Germany', 'France', 'Spain', 'United States', 'Denmark', 'Poland'];
const CITIES = ['Berlin', 'Paris', 'Madrid', 'Boston', 'Aarhus', 'Kraków', 'München'];
const INDUSTRIES = ['Retail', 'Energy', 'Health', 'Finance', 'Logistics'];

export interface ViewLeadOptions {
  /**
   * Partner leads as registration leaves them (chosen by index, so the random stream and
   * every other field stay as they are): of the registered leads with a partner, every
   * 5th is unregistered and every 5th + 1 linked (the partner's own, kept from the
   * supplier); every 17th lead the supplier sees is in a channel conflict.
   */
  partnerOwn?: boolean;
}

export function viewLeads(
  supplierId: string,
  count: number,
  seed = 11,
  options: ViewLeadOptions = {},
): Lead[] {
  const random = seededRandom(seed);
  const partners = viewPartners();
  const span = VIEW_DAYS * 86_400_000;
  return Array.from({ length: count }, (_, i) => {
    const type: LeadType = random() < 0.2 ? 'registered' : 'distributed';
    const source: LeadSource =
      type === 'registered'
        ? pick(random, [
            ['Partner Registered', 70],
            ['Auto Registered', 25],
            ['API', 5],
          ])
        : pick(random, [
            ['CSV Upload', 50],
            ['API', 25],
            ['Manual', 10],
            ['Locator', 10],
            ['Integration', 5],
          ]);
    const status: DistributionStatus =
      type === 'registered'
        ? pick(random, [
            ['Accepted', 85],
            ['Pending', 15],
          ])
        : pick(random, [
            ['Unassigned', 10],
            ['Pending', 25],
            ['Accepted', 40],
            ['Rejected', 15],
            ['Rerouted', 10],
          ]);
    // Partners get unequal shares (the first ones more).
    const partner =
      status === 'Unassigned' ? undefined : partners[Math.floor(random() ** 1.6 * partners.length)];
    const emailStatus: EmailStatus =
      status === 'Unassigned'
        ? 'NotSent'
        : pick(random, [
            ['Sent', 35],
            ['Opened', 30],
            ['Clicked', 20],
            ['Failed', 5],
            ['NotSent', 10],
          ]);
    const pipelineStatus: PipelineStatus | undefined =
      status === 'Accepted'
        ? pick<PipelineStatus | undefined>(random, [
            ['Open', 30],
            ['Contacted', 20],
            ['Nurture', 15],
            ['Unqualified', 10],
            ['Opportunity', 15],
            [undefined, 10],
          ])
        : undefined;
    const createdMs = VIEW_NOW.getTime() - Math.floor(random() * span);
    const updatedMs = createdMs + Math.floor(random() * (VIEW_NOW.getTime() - createdMs));
    const createdAt = new Date(createdMs).toISOString();
    const updatedAt = new Date(updatedMs).toISOString();
    const first = FIRST[Math.floor(random() * FIRST.length)] ?? 'Ann';
    const last = LAST[Math.floor(random() * LAST.length)] ?? 'Brown';
    const company = COMPANIES[Math.floor(random() * COMPANIES.length)] ?? 'Acme';
    const text: Partial<Lead> = {
      firstName: first,
      lastName: last,
      company,
      country: COUNTRIES[Math.floor(random() * COUNTRIES.length)] ?? 'Germany',
      city: CITIES[Math.floor(random() * CITIES.length)] ?? 'Berlin',
      title: random() < 0.5 ? 'Head of IT' : 'Buyer',
      phone: `+49 30 ${String(1000000 + i).slice(-7)}`,
    };
    if (random() < 0.9) text.email = `${first}.${last}.${i}@${company}.example`.toLowerCase();
    const lead: Lead = {
      id: newId(),
      supplierId,
      type,
      ...text,
      score: Math.floor(random() * 101),
      source,
      customFields: {
        industry: INDUSTRIES[Math.floor(random() * INDUSTRIES.length)] ?? 'Retail',
        employees: Math.floor(random() * 5000),
        ...(random() < 0.3 ? { referral: `ref-${Math.floor(random() * 50)}` } : {}),
      },
      partnerId: partner?.id ?? null,
      partnerName: partner?.name ?? null,
      distributionStatus: status,
      emailStatus,
      ...(pipelineStatus ? { pipelineStatus } : {}),
      ...(pipelineStatus === 'Opportunity'
        ? {
            opportunityValue: {
              amount: 500 + Math.floor(random() * 20_000),
              currency: random() < 0.7 ? 'EUR' : 'USD',
            },
            salesRepId: `rep-${Math.floor(random() * 8)}`,
          }
        : {}),
      rerouteCount: status === 'Rerouted' ? 1 : 0,
      assignmentVersion: partner ? 1 : 0,
      previousPartnerIds: [],
      displayEmail: displayEmail(text),
      history: [{ at: createdAt, type: 'created', actor: 'supplier', detail: { source } }],
      createdAt,
      updatedAt,
      distributionStatusChangedAt: updatedAt,
      version: 1,
    };
    if (options.partnerOwn) return withRegistration(lead, i);
    return lead;
  });
}

function withRegistration(lead: Lead, i: number): Lead {
  if (lead.type === 'registered' && lead.partnerId !== null) {
    if (i % 5 === 0) return { ...lead, source: 'API', registration: { status: 'unregistered' } };
    if (i % 5 === 1) {
      return { ...lead, source: 'API', registration: { status: 'linked', linkedLeadId: `L-${i - 1}` } };
    }
    lead.registration = { status: 'registered', by: lead.source === 'Auto Registered' ? 'rules' : 'hand' };
  }
  if (i % 17 === 0) {
    lead.conflict = {
      claims: [{ partnerId: 'P-claim', partnerName: 'Claimer', leadId: `L-c${i}`, at: lead.createdAt }],
    };
  }
  return lead;
}

/** Puts the leads (no load changes), `batch` a transaction, `parallel` transactions at once. */
export async function putViewLeads(
  store: Pick<LeadStore, 'putNewLeads'>,
  leads: readonly Lead[],
  { batch = 25, parallel = 8 }: { batch?: number; parallel?: number } = {},
): Promise<void> {
  const batches: Lead[][] = [];
  for (let i = 0; i < leads.length; i += batch) batches.push(leads.slice(i, i + batch));
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let b = batches[next++]; b !== undefined; b = batches[next++]) {
        const result = await store.putNewLeads(b, []);
        if (!result.ok) throw new Error(`putNewLeads refused: ${JSON.stringify(result)}`);
      }
    }),
  );
}
