/**
 * Routing speed: time per lead (match + choose) against 50 and 500 rule groups.
 *
 * Rules are realistic: 3–5 conditions per group over core and custom fields
 * (in, equals, gte, gt, contains, startsWith), the group a lead matches is spread
 * uniformly over the list, and 20 % of leads match no group (so they run through
 * every group). Times are taken per lead with process.hrtime.bigint after a
 * warm-up. Run: `npx tsx test/bench/routing.ts`.
 */
import { cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import {
  compileRouting,
  memoryRoutingState,
  type RoutableLead,
  type RoutingPartner,
  type RoutingRules,
  type RuleCondition,
  validateRules,
} from '@leadrelay/core';
import { seededRandom } from '../support/random';

const WARM_UP = 5_000;
const MEASURED = 20_000;
const NO_MATCH_SHARE = 0.2;

const COUNTRIES = [
  'Germany',
  'France',
  'Spain',
  'Italy',
  'Netherlands',
  'Poland',
  'Sweden',
  'Austria',
  'Belgium',
];
const INDUSTRIES = [
  'Manufacturing',
  'Retail',
  'Finance',
  'Healthcare',
  'Energy',
  'Logistics',
  'Public',
  'Media',
];
const TITLES = ['Director', 'Manager', 'VP', 'Head', 'Chief'];
const STRATEGIES = ['round-robin', 'weighted', 'least-loaded'] as const;

interface GroupSpec {
  countries: string[];
  industry: string;
  minScore: number;
  title: string;
  minEmployees: number;
}

function partnersFor(): RoutingPartner[] {
  return Array.from({ length: 40 }, (_, i) => ({
    id: `01JBENCHPARTNER${String(i).padStart(4, '0')}`,
    name: `Bench Partner ${i}`,
    paused: i % 13 === 0,
    capacity: i % 7 === 0 ? 1_000_000 : null,
    weight: 1 + (i % 5),
    domains: [`partner${i}.example`, `owned${i}.example`],
  }));
}

function rulesFor(
  groups: number,
  partners: readonly RoutingPartner[],
  rand: () => number,
): {
  rules: RoutingRules;
  specs: GroupSpec[];
} {
  const specs: GroupSpec[] = [];
  const ruleGroups = Array.from({ length: groups }, (_, i) => {
    const spec: GroupSpec = {
      countries: [0, 1, 2].map((k) => COUNTRIES[(i + k * 3) % COUNTRIES.length] as string),
      industry: INDUSTRIES[i % INDUSTRIES.length] as string,
      minScore: 20 + (i % 60),
      title: TITLES[i % TITLES.length] as string,
      minEmployees: 10 * (i % 40),
    };
    specs.push(spec);
    const optional: RuleCondition[] = [
      { field: 'title', op: 'contains', value: spec.title },
      { field: 'custom.Employees', op: 'gt', value: spec.minEmployees },
    ];
    const conditions: RuleCondition[] = [
      { field: 'country', op: 'in', value: spec.countries },
      { field: 'custom.Industry', op: 'equals', value: spec.industry },
      { field: 'score', op: 'gte', value: spec.minScore },
      ...optional.slice(0, Math.floor(rand() * 3)),
    ];
    // The condition that singles this group out sits anywhere in the list, as real rules do.
    const at = Math.floor(rand() * (conditions.length + 1));
    conditions.splice(at, 0, { field: 'campaign', op: 'startsWith', value: `Campaign ${i}/` });
    const pool = Array.from(
      { length: 2 + (i % 4) },
      (_, k) => partners[(i * 3 + k) % partners.length]?.id as string,
    );
    const assign =
      i % 5 === 4
        ? { partnerId: pool[0] as string }
        : { partnerIds: pool, strategy: STRATEGIES[i % STRATEGIES.length] as (typeof STRATEGIES)[number] };
    return { name: `Group ${i}`, conditions, assign };
  });
  return { rules: validateRules({ groups: ruleGroups }, partners), specs };
}

function leadsFor(count: number, specs: readonly GroupSpec[], rand: () => number): RoutableLead[] {
  return Array.from({ length: count }, (_, n) => {
    const target = rand() < NO_MATCH_SHARE ? -1 : Math.floor(rand() * specs.length);
    const spec = specs[Math.max(target, 0)] as GroupSpec;
    return {
      email: `buyer${n}@customer${n % 997}.example`,
      firstName: 'Ada',
      lastName: 'Lovelace',
      company: `Customer ${n % 997} GmbH`,
      title: `Regional ${spec.title} of Sales`,
      country: spec.countries[n % 3] as string,
      city: 'Berlin',
      campaign: target < 0 ? 'Campaign none/2025' : `Campaign ${target}/2025`,
      score: 100,
      source: 'CSV Upload',
      type: 'distributed',
      customFields: { Industry: spec.industry, Employees: String(spec.minEmployees + 5), Region: 'EMEA' },
    };
  });
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

export interface RoutingBenchResult {
  groups: number;
  medianMicros: number;
  p99Micros: number;
  leadsPerSecond: number;
}

/** Times routing per lead against 50 and 500 rule groups. */
export async function benchRouting(): Promise<RoutingBenchResult[]> {
  const results: RoutingBenchResult[] = [];
  for (const groups of [50, 500]) {
    const rand = seededRandom(groups);
    const partners = partnersFor();
    const { rules, specs } = rulesFor(groups, partners, rand);
    const routing = compileRouting({ rules, partners });
    const warmUp = leadsFor(WARM_UP, specs, rand);
    const leads = leadsFor(MEASURED, specs, rand);

    const state = memoryRoutingState();
    for (const lead of warmUp) routing.route(lead, state);

    const nanos = new Float64Array(leads.length);
    let assigned = 0;
    for (let i = 0; i < leads.length; i++) {
      const start = process.hrtime.bigint();
      const decision = routing.route(leads[i] as RoutableLead, state);
      nanos[i] = Number(process.hrtime.bigint() - start);
      if (decision.partnerId !== null) assigned++;
    }
    if (assigned === 0) throw new Error('the bench routed no lead: its rules or leads are wrong');

    // Throughput without the per-lead timer in the loop.
    const wallStart = process.hrtime.bigint();
    for (const lead of leads) routing.route(lead, state);
    const wallSeconds = Number(process.hrtime.bigint() - wallStart) / 1e9;

    nanos.sort();
    results.push({
      groups,
      medianMicros: percentile(nanos, 0.5) / 1000,
      p99Micros: percentile(nanos, 0.99) / 1000,
      leadsPerSecond: Math.round(leads.length / wallSeconds),
    });
  }
  return results;
}

async function main(): Promise<void> {
  const cpu = cpus();
  console.log(`node ${process.version}, ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores`);
  console.log(
    `routing ${MEASURED} leads per row after ${WARM_UP} warm-up; ${NO_MATCH_SHARE * 100} % match no group`,
  );
  const rows = await benchRouting();
  console.log('| groups | median µs/lead | p99 µs/lead | leads/s |');
  console.log('|---:|---:|---:|---:|');
  for (const row of rows) {
    console.log(
      `| ${row.groups} | ${row.medianMicros.toFixed(2)} | ${row.p99Micros.toFixed(2)} | ${row.leadsPerSecond.toLocaleString('en-US')} |`,
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
