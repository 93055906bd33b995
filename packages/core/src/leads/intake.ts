import type { Clock } from '../clock';
import type { ErrorDetail } from '../errors';
import {
  type CompiledRouting,
  compileRouting,
  PoolSequences,
  poolSequenceCounter,
  type RoutingDecision,
  type RoutingMatch,
  type RoutingRules,
  RoutingRules as RoutingRulesSchema,
  reserveByCounter,
} from '../routing';
import type { TenantStore } from '../tenants/ports';
import type { Partner, Supplier, SupplierSettings } from '../tenants/schemas';
import { listAllPartners } from '../tenants/tenants';
import { assignTransition, autoAccepted } from './assign';
import { leadIdFor, normaliseEmail } from './ids';
import {
  displayEmail,
  type HistoryEntry,
  LEAD_TEXT_FIELDS,
  type Lead,
  type LeadInput,
  type LeadSource,
  type LeadTextField,
} from './lead';
import {
  type LeadFieldChange,
  type LeadStore,
  type LoadChange,
  NEW_LEAD_ITEMS,
  type RulesStore,
} from './ports';
import { SeenIds } from './seen-ids';

export interface IntakeDeps {
  leads: LeadStore;
  tenants: TenantStore;
  rules: RulesStore;
  clock: Clock;
}

/** One lead offered for intake: a validated input, and the partner it names, if any. */
export interface IntakeItem {
  input: LeadInput;
  /** A partner id or exact name: the API's `partnerId`, or the file's partner column. */
  partner?: string | undefined;
}

export type IntakeResult =
  | { status: 'created'; lead: Lead }
  | { status: 'updated'; lead: Lead; deduplicated: true }
  | { status: 'rejected'; errors: ErrorDetail[] };

export interface IntakeOptions {
  source: LeadSource;
  /** Who brought the leads in, for the history: `supplier`, `upload:<id>`, ... */
  actor: string;
  /** One partner for every lead (an upload's routing mode `partner`); a lead's own partner wins. */
  partnerForAll?: string | undefined;
  /**
   * Write leads this run has not seen without reading them first (a file: its rows
   * are mostly new, and the conditional put still catches a known one). A known
   * lead caught that way was routed first, so its pool turn is handed back to the
   * run's next lead, and is lost when none follows; so requests read every lead
   * first, and only files take this.
   */
  assumeNew?: boolean | undefined;
}

/** Items in one transaction (DynamoDB's limit): leads, their first history items and partners' load counters together. */
const MAX_WRITE_ITEMS = 100;
const WRITE_ATTEMPTS = 5;
/** Duplicates merged at once (each is one atomic update). */
const UPDATE_CONCURRENCY = 8;
const LOADS_MAX_AGE_MS = 5_000;

/** Runs the tasks with at most `limit` in flight. */
async function inParallel(tasks: readonly (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++];
      if (task) await task();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

/** A supplier, its partners and its routing rules compiled once: what routing a lead needs. */
export async function loadRouting(
  deps: Pick<IntakeDeps, 'tenants' | 'rules'>,
  supplierId: string,
): Promise<{ supplier: Supplier; partners: Partner[]; routing: CompiledRouting }> {
  const supplier = await deps.tenants.getSupplier(supplierId);
  if (!supplier) throw new Error(`Supplier ${supplierId} not found`);
  const partners = await listAllPartners({ store: deps.tenants }, supplierId);
  const stored = await deps.rules.getRules(supplierId, 'routing');
  const rules: RoutingRules = stored ? RoutingRulesSchema.parse(stored.rules) : { groups: [] };
  return { supplier, partners, routing: compileRouting({ rules, partners }) };
}

/**
 * Brings leads in for one supplier: dedupe, route, write. Prepared once per
 * request or file (settings, partners and compiled rules are read once), then
 * fed in chunks.
 *
 * Primary course, per chunk: 1. drop leads without an email (a distributed lead
 * needs one) 2. merge repeats of an email within the chunk 3. read the leads
 * that already exist: those are updated (empty or changed fields), keeping their
 * partner and status 4. route the new ones (explicit partner, account
 * ownership, rules), reserving exactly the sequence numbers the pools take 5. write them with
 * the partners' Pending counts, conditionally, in transactions; a lead created
 * meanwhile by someone else becomes an update, a partner that filled up
 * meanwhile is routed around.
 */
export class Intake {
  private constructor(
    private readonly deps: IntakeDeps,
    readonly supplierId: string,
    readonly settings: SupplierSettings,
    private readonly partners: Map<string, Partner>,
    private readonly routing: CompiledRouting,
  ) {}

  private readonly sequences = new PoolSequences(
    reserveByCounter(
      (counters) => this.deps.leads.reserveSequences(this.supplierId, counters),
      poolSequenceCounter,
    ),
  );
  private readonly seen = new SeenIds();
  private loads: { at: number; counts: Map<string, number> } | undefined;

  /** Reads the supplier's settings, partners and routing rules, and compiles the rules once. */
  static async prepare(deps: IntakeDeps, supplierId: string): Promise<Intake> {
    const { supplier, partners, routing } = await loadRouting(deps, supplierId);
    return new Intake(deps, supplierId, supplier.settings, new Map(partners.map((p) => [p.id, p])), routing);
  }

  /** Takes a chunk of leads in; one result per item, in order. */
  async submit(items: readonly IntakeItem[], options: IntakeOptions): Promise<IntakeResult[]> {
    const now = this.deps.clock.now().toISOString();
    const results: (IntakeResult | undefined)[] = new Array(items.length);

    // 1–2: refuse leads without email; group repeats of an email (later values win).
    const byId = new Map<string, { indexes: number[]; input: LeadInput; partner: string | undefined }>();
    items.forEach((item, index) => {
      if (!item.input.email) {
        results[index] = {
          status: 'rejected',
          errors: [{ path: 'email', message: 'email is required for a distributed lead' }],
        };
        return;
      }
      const id = leadIdFor(this.supplierId, item.input.email);
      const seen = byId.get(id);
      const partner = item.partner ?? options.partnerForAll;
      if (seen) {
        seen.indexes.push(index);
        seen.input = mergeInputs(seen.input, item.input);
        seen.partner = seen.partner ?? partner;
      } else {
        byId.set(id, { indexes: [index], input: item.input, partner });
      }
    });

    // 3: existing leads are updated, new ones routed and created.
    let pendingIds = [...byId.keys()];
    for (let attempt = 1; pendingIds.length > 0; attempt++) {
      if (attempt > WRITE_ATTEMPTS) throw new Error('Could not write leads: too many concurrent changes');
      // A file's first round reads only ids this run may have seen; for the rest the conditional put is the check.
      const lookup =
        attempt === 1 && options.assumeNew
          ? pendingIds.filter((id) => this.seen.mightContain(id))
          : pendingIds;
      const existing = lookup.length > 0 ? await this.deps.leads.getLeads(lookup) : new Map<string, Lead>();
      const toCreate: string[] = [];
      const updates: (() => Promise<void>)[] = [];
      for (const id of pendingIds) {
        const entry = byId.get(id);
        if (!entry) continue;
        const lead = existing.get(id);
        if (!lead) {
          toCreate.push(id);
          continue;
        }
        updates.push(async () => {
          const updated = await this.updateExisting(lead, entry.input, options, now);
          for (const i of entry.indexes)
            results[i] = { status: 'updated', lead: updated, deduplicated: true };
        });
      }
      // Known leads merge while the new ones are written (different items, no order between them).
      // Repeats within the chunk count as updates of the lead the first one creates.
      const [, retry] = await Promise.all([
        inParallel(updates, UPDATE_CONCURRENCY),
        this.createNew(toCreate, byId, options, now, results),
      ]);
      pendingIds = retry;
    }
    for (const id of byId.keys()) this.seen.add(id);
    return results.map((r) => r ?? { status: 'rejected', errors: [{ path: '', message: 'not processed' }] });
  }

  /**
   * Routes and writes new leads; answers the ids that turned out to exist
   * meanwhile (to be retried as updates). All of them are routed at once (at
   * most one reservation of sequence numbers per pool), then packed into transactions of up to
   * {@link MAX_WRITE_ITEMS} items: the leads (NEW_LEAD_ITEMS each) plus one load counter per partner.
   */
  private async createNew(
    ids: readonly string[],
    byId: Map<string, { indexes: number[]; input: LeadInput; partner: string | undefined }>,
    options: IntakeOptions,
    now: string,
    results: (IntakeResult | undefined)[],
  ): Promise<string[]> {
    const retry: string[] = [];
    let batch = [...ids];
    for (let attempt = 1; batch.length > 0; attempt++) {
      if (attempt > WRITE_ATTEMPTS)
        throw new Error('Could not write leads: partners kept filling up meanwhile');
      const matches = new Map<string, RoutingMatch>();
      for (const id of batch) {
        const entry = byId.get(id);
        if (!entry) continue;
        const match = this.routing.match(routable(entry.input), { explicitPartner: entry.partner });
        if (match.path === 'error') {
          for (const i of entry.indexes) {
            results[i] = { status: 'rejected', errors: [{ path: match.field, message: match.message }] };
          }
          continue;
        }
        matches.set(id, match);
      }
      const decisions = await this.sequences.decide(await this.currentLoads(), (state) =>
        [...matches].map(([id, match]) => ({ id, match, decision: this.routing.choose(match, state) })),
      );
      const decided = new Map(decisions.map((d) => [d.id, d.decision]));
      const writes: { leads: Lead[]; loads: Map<string, LoadChange> }[] = [];
      let write: { leads: Lead[]; loads: Map<string, LoadChange> } | undefined;
      for (const { id, match, decision } of decisions) {
        const entry = byId.get(id);
        if (!entry) continue;
        const lead = this.newLead(id, entry.input, decision, options, now);
        const counted = lead.distributionStatus === 'Pending' ? lead.partnerId : undefined;
        const extra = NEW_LEAD_ITEMS + (counted && !write?.loads.has(counted) ? 1 : 0);
        if (!write || write.leads.length * NEW_LEAD_ITEMS + write.loads.size + extra > MAX_WRITE_ITEMS) {
          write = { leads: [], loads: new Map() };
          writes.push(write);
        }
        write.leads.push(lead);
        if (counted) {
          const load = write.loads.get(counted) ?? {
            partnerId: counted,
            delta: 0,
            // A partner the supplier named explicitly gets the lead even when full.
            capacity: match.path === 'explicit' ? null : (this.partners.get(counted)?.capacity ?? null),
          };
          load.delta += 1;
          write.loads.set(counted, load);
        }
      }
      const again: string[] = [];
      for (const { leads, loads } of writes) {
        const written = await this.deps.leads.putNewLeads(leads, [...loads.values()]);
        if (written.ok) {
          for (const lead of leads) {
            const [first, ...repeats] = byId.get(lead.id)?.indexes ?? [];
            if (first !== undefined) results[first] = { status: 'created', lead };
            for (const i of repeats) results[i] = { status: 'updated', lead, deduplicated: true };
          }
          continue;
        }
        // Someone created some of these meanwhile: those become updates; route the rest again.
        // Nothing was written, so their pool numbers go to the pools' next leads.
        this.loads = undefined;
        for (const lead of leads) {
          const decision = decided.get(lead.id);
          if (decision) this.sequences.release(decision);
        }
        retry.push(...written.existingLeadIds);
        const existing = new Set(written.existingLeadIds);
        again.push(...leads.map((l) => l.id).filter((id) => !existing.has(id)));
      }
      batch = again;
    }
    return retry;
  }

  /**
   * Partners' Pending counts, read once and then kept current by this run's own
   * assignments; read again after a capacity conflict or when older than a few
   * seconds (other writers release and take leads too). Capacity itself is
   * enforced by the conditional write, never by this copy.
   */
  private async currentLoads(): Promise<Map<string, number>> {
    const now = this.deps.clock.now().getTime();
    if (!this.loads || now - this.loads.at > LOADS_MAX_AGE_MS) {
      const counts = await this.deps.leads.partnerLoads(this.supplierId, [...this.partners.keys()]);
      this.loads = { at: now, counts };
    }
    return this.loads.counts;
  }

  private newLead(
    id: string,
    input: LeadInput,
    decision: RoutingDecision,
    options: IntakeOptions,
    now: string,
  ): Lead {
    const partner = decision.partnerId ? this.partners.get(decision.partnerId) : undefined;
    const status = !partner ? 'Unassigned' : partner.autoAccept ? 'Accepted' : 'Pending';
    const history: HistoryEntry[] = [
      {
        at: now,
        type: 'created',
        actor: options.actor,
        detail: { source: options.source },
      },
      {
        at: now,
        type: partner ? 'routed' : 'unassigned',
        actor: 'system',
        detail: routingDetail(decision),
      },
    ];
    if (partner?.autoAccept) history.push(autoAccepted(partner.id, now));
    const text = textFields(input);
    return {
      id,
      supplierId: this.supplierId,
      type: 'distributed',
      ...text,
      score: input.score ?? this.settings.defaultLeadScore,
      source: options.source,
      customFields: input.customFields ?? {},
      partnerId: partner?.id ?? null,
      partnerName: partner?.name ?? null,
      distributionStatus: status,
      emailStatus: 'NotSent',
      rerouteCount: 0,
      assignmentVersion: partner ? 1 : 0,
      ...(partner ? { assignedAt: now } : {}),
      ...(decision.group !== undefined ? { routingGroup: decision.group } : {}),
      previousPartnerIds: [],
      displayEmail: displayEmail(text),
      history,
      createdAt: now,
      updatedAt: now,
      distributionStatusChangedAt: now,
      version: 1,
    };
  }

  /**
   * A known email: fill empty fields and take changed ones, keep partner and
   * status. A closed lead (Rejected, or Unqualified) is only updated, unless the
   * supplier chose `reopenClosedDuplicates` (then it is routed again).
   */
  private async updateExisting(
    lead: Lead,
    input: LeadInput,
    options: IntakeOptions,
    now: string,
  ): Promise<Lead> {
    if (this.settings.reopenClosedDuplicates && isClosed(lead)) {
      for (let attempt = 1; ; attempt++) {
        const current = attempt === 1 ? lead : await this.deps.leads.getLead(lead.id);
        if (!current) throw new Error(`Lead ${lead.id} disappeared during an update`);
        const { next, loads, decision } = await this.reopen(
          applyUpdate(current, input, options, now) ?? current,
          options,
          now,
        );
        if ((await this.deps.leads.replaceLead(current, next, loads)) === 'ok') return next;
        this.sequences.release(decision);
        if (attempt >= WRITE_ATTEMPTS) throw new Error(`Lead ${lead.id} kept changing during an update`);
      }
    }
    // Fields only: one atomic merge, so any number of concurrent duplicates all land.
    const change = fieldChange(lead, input, options, now);
    if (!change) return lead;
    const merged = await this.deps.leads.mergeLeadFields(lead.id, change);
    if (!merged) throw new Error(`Lead ${lead.id} disappeared during an update`);
    return merged;
  }

  /** A closed lead arriving again, with the supplier's `reopenClosedDuplicates` on: routed again as a new assignment. */
  private async reopen(lead: Lead, options: IntakeOptions, now: string) {
    const match = this.routing.match({
      ...textFields(lead),
      score: lead.score,
      customFields: lead.customFields,
      type: lead.type,
    });
    const decision: RoutingDecision =
      match.path === 'error'
        ? { partnerId: null, partnerName: null, path: 'none', skipped: [], explanation: match.message }
        : await this.sequences.decide(await this.currentLoads(), (state) =>
            this.routing.choose(match, state),
          );
    const partner = decision.partnerId ? (this.partners.get(decision.partnerId) ?? null) : null;
    const { next, loads } = assignTransition(
      lead,
      partner,
      {
        type: 'reopened',
        actor: options.actor,
        detail: { ...routingDetail(decision), source: options.source },
      },
      now,
    );
    return {
      next: {
        ...next,
        rerouteCount: 0,
        ...(decision.group !== undefined ? { routingGroup: decision.group } : {}),
      },
      loads: loads.map((l) => (l.delta > 0 ? { ...l, capacity: partner?.capacity ?? null } : l)),
      decision,
    };
  }
}

function isClosed(lead: Lead): boolean {
  return lead.distributionStatus === 'Rejected' || lead.pipelineStatus === 'Unqualified';
}

/** A routing decision as the lead's history records it. */
export function routingDetail(decision: RoutingDecision): Record<string, unknown> {
  return {
    path: decision.path,
    ...(decision.group !== undefined ? { group: decision.group } : {}),
    ...(decision.strategy ? { strategy: decision.strategy } : {}),
    // The pool's turn: with the pool's order it shows why this partner was next.
    ...(decision.sequence !== undefined ? { sequence: decision.sequence } : {}),
    ...(decision.via ? { via: decision.via } : {}),
    partnerId: decision.partnerId,
    partnerName: decision.partnerName,
    skipped: decision.skipped,
    ...(decision.warning ? { warning: decision.warning } : {}),
    explanation: decision.explanation,
  };
}

function textFields(
  input: Partial<Record<LeadTextField, string | undefined>>,
): Partial<Record<LeadTextField, string>> {
  const out: Partial<Record<LeadTextField, string>> = {};
  for (const field of LEAD_TEXT_FIELDS) {
    const value = input[field];
    if (value !== undefined) out[field] = field === 'email' ? normaliseEmail(value) : value;
  }
  return out;
}

function routable(input: LeadInput) {
  return {
    ...textFields(input),
    score: input.score,
    customFields: input.customFields ?? {},
    type: 'distributed',
  };
}

/** Later values win; custom fields merge by name. */
function mergeInputs(a: LeadInput, b: LeadInput): LeadInput {
  const merged: LeadInput = { ...a };
  for (const [key, value] of Object.entries(b)) {
    if (value !== undefined && key !== 'customFields') (merged as Record<string, unknown>)[key] = value;
  }
  if (a.customFields || b.customFields) merged.customFields = { ...a.customFields, ...b.customFields };
  return merged;
}

/** What a duplicate changes: its non-empty values that differ from the lead's, or undefined for nothing. */
function fieldChange(
  lead: Lead,
  input: LeadInput,
  options: IntakeOptions,
  now: string,
): LeadFieldChange | undefined {
  const next = applyUpdate(lead, input, options, now);
  if (!next) return undefined;
  const fields: Record<string, string | number> = {};
  for (const field of LEAD_TEXT_FIELDS) {
    const value = next[field];
    if (value !== undefined && value !== lead[field]) fields[field] = value;
  }
  if (next.score !== lead.score) fields.score = next.score;
  if (next.displayEmail !== lead.displayEmail) fields.displayEmail = next.displayEmail;
  const customFields = Object.fromEntries(
    Object.entries(next.customFields).filter(([name, value]) => lead.customFields[name] !== value),
  );
  const history = next.history[next.history.length - 1];
  if (!history) return undefined;
  return { fields, customFields, history, updatedAt: now };
}

/** The lead after taking the input's non-empty values, or undefined when nothing changes. */
export function applyUpdate(
  lead: Lead,
  input: LeadInput,
  options: Pick<IntakeOptions, 'source' | 'actor'>,
  now: string,
): Lead | undefined {
  const changed: string[] = [];
  const next: Lead = { ...lead, customFields: { ...lead.customFields } };
  const text = textFields(input);
  for (const field of LEAD_TEXT_FIELDS) {
    const value = text[field];
    if (value !== undefined && value !== lead[field]) {
      next[field] = value;
      changed.push(field);
    }
  }
  if (input.score !== undefined && input.score !== lead.score) {
    next.score = input.score;
    changed.push('score');
  }
  for (const [name, value] of Object.entries(input.customFields ?? {})) {
    if (value !== lead.customFields[name]) {
      next.customFields[name] = value;
      changed.push(`custom.${name}`);
    }
  }
  if (changed.length === 0) return undefined;
  next.displayEmail = displayEmail(next);
  next.updatedAt = now;
  next.version = lead.version + 1;
  next.history = [
    ...lead.history,
    { at: now, type: 'updated', actor: options.actor, detail: { source: options.source, fields: changed } },
  ];
  return next;
}
