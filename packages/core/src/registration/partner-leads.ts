import type { Clock } from '../clock';
import { assertSalesRep } from '../distribution/partner-decisions';
import { pipelineUpdate, refusalError } from '../distribution/transitions';
import { ConflictError, type ErrorDetail, ForbiddenError, NotFoundError } from '../errors';
import { newId } from '../ids';
import { leadIdFor, normaliseEmail, partnerLeadIdFor } from '../leads/ids';
import { applyUpdate } from '../leads/intake';
import {
  type ConflictClaim,
  displayEmail,
  type HistoryEntry,
  type Lead,
  type LeadInput,
  type LeadSource,
  type LeadTextField,
  type Registration,
} from '../leads/lead';
import type { LeadStore, RulesStore } from '../leads/ports';
import type { LeadFilter } from '../leads/query';
import type { Page, PageQuery } from '../pages';
import type { Principal } from '../principal';
import type { TenantStore } from '../tenants/ports';
import type { Partner } from '../tenants/schemas';
import {
  type AutoRegistration,
  type AutoRegistrationMatch,
  type CompiledRegistration,
  compileAutoRegistration,
  type RegistrationRules,
  RegistrationRules as RegistrationRulesSchema,
} from './rules';

/**
 * A partner's own leads and their registration with the supplier (primary adapter:
 * the API's lead routes; secondary: LeadStore, TenantStore, RulesStore).
 *
 * - A partner key's `POST /v1/leads` creates a partner lead: type `registered`, the
 *   partner set, `Accepted` (it is the partner's own), registration `unregistered`:
 *   the supplier does not see it. With an email, the partner's id of that email
 *   (partnerLeadIdFor) names it (an alias), so the same email again updates it, and an
 *   email changed by PATCH moves that name with it.
 * - Registering (by hand, or by the auto-registration rules when the lead is created
 *   or updated) shares it: `registered`, source `Partner Registered` / `Auto
 *   Registered`, with its own keys in the supplier's views and reports, and the
 *   supplier's id of its email (leadIdFor) claimed for it, so the supplier's own intake
 *   of that email finds this lead and makes no second one.
 * - When the supplier has a lead of that email already (distributed, or registered by
 *   a partner first), the partner's lead is `linked` to it instead (no duplicate):
 *   the first one wins; when it is another partner's (or nobody's), the supplier's lead
 *   records the claim (`conflict`, the `conflict=true` filter) until the supplier
 *   reassigns it.
 * - Registering is idempotent: a registered or linked lead answers as it is.
 */

export interface RegistrationDeps {
  leads: LeadStore;
  tenants: TenantStore;
  rules: RulesStore;
  clock: Clock;
}

export type PartnerPrincipal = Extract<Principal, { kind: 'partner' }>;

/** What a partner sends for one lead: a lead input without a partner (it is the partner's own). */
export type PartnerLeadInput = Omit<LeadInput, 'partnerId'>;

export type RegistrationOutcome = 'registered' | 'linked' | 'already';

export type PartnerLeadResult =
  | { status: 'created' | 'updated'; lead: Lead; registration?: RegistrationOutcome }
  | { status: 'rejected'; errors: ErrorDetail[] };

/** How a lead came to be registered. */
export type RegisterHow = { by: 'hand' } | { by: 'rules'; group: string; rules: 'supplier' | 'own' };

/** Lost races one registration retries (a change of either lead, the email's id taken meanwhile). */
const REGISTER_ATTEMPTS = 8;
/** Partner leads written at once in a batch. */
const CONCURRENCY = 8;
/** Fields one of which a partner lead needs (it may have no email). */
const IDENTITY_FIELDS = ['email', 'firstName', 'lastName', 'company', 'phone', 'mobilePhone'] as const;

/** The supplier's registration rules (none stored: no groups). */
export async function supplierRegistrationRules(
  deps: Pick<RegistrationDeps, 'rules'>,
  supplierId: string,
): Promise<RegistrationRules> {
  const stored = await deps.rules.getRules(supplierId, 'registration');
  return stored ? RegistrationRulesSchema.parse(stored.rules) : { groups: [] };
}

/** A draft of the auto-registration settings (preview/apply), over the partner's current ones. */
export interface RegistrationDraft {
  autoRegistration?: AutoRegistration | undefined;
  ignoredCompanies?: readonly string[] | undefined;
}

/** The partner's auto-registration compiled once: its settings (or a draft of them) and the supplier's rules. */
export async function loadAutoRegistration(
  deps: Pick<RegistrationDeps, 'rules'>,
  partner: Partner,
  draft: RegistrationDraft = {},
): Promise<CompiledRegistration> {
  const autoRegistration = draft.autoRegistration ?? partner.autoRegistration;
  const supplierRules =
    autoRegistration.mode === 'supplier'
      ? await supplierRegistrationRules(deps, partner.supplierId)
      : { groups: [] };
  return compileAutoRegistration({
    autoRegistration,
    ignoredCompanies: draft.ignoredCompanies ?? partner.ignoredCompanies,
    supplierRules,
  });
}

async function partnerOf(
  deps: Pick<RegistrationDeps, 'tenants'>,
  principal: PartnerPrincipal,
): Promise<Partner> {
  const partner = await deps.tenants.getPartner(principal.supplierId, principal.partnerId);
  if (!partner) throw new NotFoundError(`Partner ${principal.partnerId} not found`);
  return partner;
}

/** A new partner lead: the partner's own, Accepted, not registered. */
export function newPartnerLead(
  id: string,
  input: PartnerLeadInput,
  partner: Pick<Partner, 'id' | 'name' | 'supplierId'>,
  source: LeadSource,
  now: string,
): Lead {
  const text = Object.fromEntries(
    Object.entries(input).filter(
      ([key, value]) => value !== undefined && key !== 'customFields' && key !== 'score',
    ),
  ) as Partial<Record<string, string>>;
  if (text.email) text.email = normaliseEmail(text.email);
  const fields: Partial<Record<LeadTextField, string>> & { customFields: Lead['customFields'] } = {
    ...text,
    customFields: input.customFields ?? {},
  };
  return {
    ...fields,
    id,
    supplierId: partner.supplierId,
    type: 'registered',
    score: input.score ?? 50,
    source,
    partnerId: partner.id,
    partnerName: partner.name,
    distributionStatus: 'Accepted',
    emailStatus: 'NotSent',
    rerouteCount: 0,
    assignmentVersion: 1,
    assignedAt: now,
    previousPartnerIds: [],
    registration: { status: 'unregistered' },
    displayEmail: displayEmail(fields),
    history: [{ at: now, type: 'created', actor: `partner:${partner.id}`, detail: { source } }],
    createdAt: now,
    updatedAt: now,
    distributionStatusChangedAt: now,
    version: 1,
  };
}

/** Why a partner lead cannot be taken as it is, or undefined. */
function inputProblem(input: PartnerLeadInput): ErrorDetail | undefined {
  if (IDENTITY_FIELDS.some((field) => input[field] !== undefined)) return undefined;
  return {
    path: 'email',
    message: `a partner lead needs at least one of ${IDENTITY_FIELDS.join(', ')}`,
  };
}

/** The partner's own lead, or a NotFoundError (another partner's, another supplier's, none). */
function ownLead(lead: Lead | undefined, principal: PartnerPrincipal, leadId: string): Lead {
  if (!lead || lead.supplierId !== principal.supplierId || lead.partnerId !== principal.partnerId) {
    throw new NotFoundError(`Lead ${leadId} not found`);
  }
  return lead;
}

/** The partner lead registered: shared with the supplier. */
function registered(lead: Lead, how: RegisterHow, actor: string, now: string): Lead {
  const source: LeadSource = how.by === 'hand' ? 'Partner Registered' : 'Auto Registered';
  const registration: Registration = {
    status: 'registered',
    at: now,
    by: how.by,
    ...(how.by === 'rules' ? { group: how.group, rules: how.rules } : {}),
  };
  return {
    ...lead,
    source,
    registration,
    history: [
      ...lead.history,
      {
        at: now,
        type: 'registered',
        actor,
        detail: {
          by: how.by,
          source,
          ...(how.by === 'rules'
            ? {
                group: how.group,
                rules: how.rules,
                explanation: `Auto-registration: rule group "${how.group}" of the ${how.rules === 'own' ? 'partner’s own' : 'supplier’s'} rules matched`,
              }
            : {}),
        },
      },
    ],
    // The supplier sees it from now: its distribution status (Accepted) dates from the registration.
    distributionStatusChangedAt: now,
    updatedAt: now,
    version: lead.version + 1,
  };
}

/** The partner lead linked to the supplier's lead of the same email, and that lead with the claim. */
function linked(
  lead: Lead,
  existing: Lead,
  partner: Pick<Partner, 'id' | 'name'>,
  how: RegisterHow,
  actor: string,
  now: string,
): { own: Lead; theirs: Lead; conflict: boolean } {
  const conflict = existing.partnerId !== partner.id;
  const own: Lead = {
    ...lead,
    registration: {
      status: 'linked',
      at: now,
      by: how.by,
      ...(how.by === 'rules' ? { group: how.group, rules: how.rules } : {}),
      linkedLeadId: existing.id,
      ...(conflict ? { conflict: true } : {}),
    },
    history: [
      ...lead.history,
      {
        at: now,
        type: 'registration.linked',
        actor,
        detail: {
          by: how.by,
          linkedLeadId: existing.id,
          conflict,
          explanation: conflict
            ? 'The supplier already has a lead of this email with another partner (or none): linked to it, flagged as a channel conflict for the supplier'
            : 'The supplier already has this lead with you: linked to it, no duplicate',
        },
      },
    ],
    updatedAt: now,
    version: lead.version + 1,
  };
  const claims: ConflictClaim[] = existing.conflict?.claims ?? [];
  const claim: ConflictClaim = { partnerId: partner.id, partnerName: partner.name, leadId: lead.id, at: now };
  const entry: HistoryEntry = conflict
    ? {
        at: now,
        type: 'conflict',
        actor: `partner:${partner.id}`,
        detail: {
          claimedBy: partner.id,
          claimedByName: partner.name,
          claimLeadId: lead.id,
          explanation: `${partner.name} registered this lead's email while ${existing.partnerName ?? 'no partner'} had it; the first stays until you reassign it`,
        },
      }
    : {
        at: now,
        type: 'registration.linked',
        actor: `partner:${partner.id}`,
        detail: { claimLeadId: lead.id, explanation: 'The partner registered this lead too' },
      };
  const theirs: Lead = {
    ...existing,
    ...(conflict ? { conflict: { claims: [...claims.filter((c) => c.leadId !== lead.id), claim] } } : {}),
    history: [...existing.history, entry],
    updatedAt: now,
    version: existing.version + 1,
  };
  return { own, theirs, conflict };
}

/**
 * Registers one of the partner's leads with the supplier (by hand, or by its rules).
 * Primary course: 1. read the lead (the partner's own, a partner lead) 2. registered or
 * linked already: answer it 3. no email: register it in place 4. read the supplier's
 * lead of its email: none, register it and claim the email's id; one, link to it
 * (flagging the conflict when it is another partner's) 5. a lost race reads again.
 */
export async function registerPartnerLead(
  deps: RegistrationDeps,
  principal: PartnerPrincipal,
  leadId: string,
  how: RegisterHow,
): Promise<{ lead: Lead; outcome: RegistrationOutcome; conflict?: boolean }> {
  const partner = await partnerOf(deps, principal);
  const actor = how.by === 'hand' ? `partner:${partner.id}` : 'system';
  for (let attempt = 1; attempt <= REGISTER_ATTEMPTS; attempt++) {
    const lead = ownLead(await deps.leads.getLead(leadId), principal, leadId);
    if (lead.registration === undefined) {
      throw new ConflictError(
        `Lead ${leadId} was distributed by the supplier; only your own leads register`,
        [{ path: 'id', message: 'a distributed lead, not a partner lead' }],
      );
    }
    if (lead.registration.status !== 'unregistered') {
      return {
        lead,
        outcome: 'already',
        ...(lead.registration.conflict ? { conflict: true } : {}),
      };
    }
    const now = deps.clock.now().toISOString();
    if (!lead.email) {
      const next = registered(lead, how, actor, now);
      if ((await deps.leads.writeAliased({ previous: lead, next })) === 'ok') {
        return { lead: next, outcome: 'registered' };
      }
      continue;
    }
    const emailId = leadIdFor(lead.supplierId, lead.email);
    const existing = await deps.leads.getLead(emailId);
    if (existing && existing.id !== lead.id) {
      const { own, theirs, conflict } = linked(lead, existing, partner, how, actor, now);
      const written = await deps.leads.writeAliased({
        previous: lead,
        next: own,
        linked: { previous: existing, next: theirs },
      });
      if (written === 'ok') return { lead: own, outcome: 'linked', conflict };
      continue;
    }
    const next = registered(lead, how, actor, now);
    if ((await deps.leads.writeAliased({ previous: lead, next, claims: [emailId] })) === 'ok') {
      return { lead: next, outcome: 'registered' };
    }
  }
  throw new ConflictError('The lead changed while it was being registered; read it and try again', [
    { path: 'id', message: 'changed meanwhile' },
  ]);
}

/** Auto-registration of a partner lead just created or changed: registered when a group matches. */
async function autoRegister(
  deps: RegistrationDeps,
  principal: PartnerPrincipal,
  lead: Lead,
  compiled: CompiledRegistration,
): Promise<{ lead: Lead; registration?: RegistrationOutcome }> {
  if (lead.registration?.status !== 'unregistered') return { lead };
  const match = compiled.match(lead);
  if (!match.registers) return { lead };
  const done = await registerPartnerLead(deps, principal, lead.id, {
    by: 'rules',
    group: match.group,
    rules: match.rules,
  });
  return { lead: done.lead, registration: done.outcome };
}

/**
 * A partner brings leads of its own in (`POST /v1/leads`, `/v1/leads/batch` with a
 * partner key): one result per item, in order. Repeats of an email (in the call, or a
 * lead the partner has) update that lead. Each lead new or changed then meets the
 * partner's auto-registration rules.
 */
export async function createPartnerLeads(
  deps: RegistrationDeps,
  principal: PartnerPrincipal,
  items: readonly PartnerLeadInput[],
  source: LeadSource,
): Promise<PartnerLeadResult[]> {
  const partner = await partnerOf(deps, principal);
  const compiled = await loadAutoRegistration(deps, partner);
  const results: (PartnerLeadResult | undefined)[] = new Array(items.length);
  // Repeats of an email within the call are one lead: later values win.
  const groups = new Map<string, { indexes: number[]; input: PartnerLeadInput; alias: string | undefined }>();
  items.forEach((input, index) => {
    const problem = inputProblem(input);
    if (problem) {
      results[index] = { status: 'rejected', errors: [problem] };
      return;
    }
    // Repeats of an email are grouped by the partner's id of that email; a lead without one is its own.
    const id = input.email ? partnerLeadIdFor(partner.supplierId, partner.id, input.email) : newId();
    const seen = groups.get(id);
    if (seen) {
      seen.indexes.push(index);
      seen.input = {
        ...seen.input,
        ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)),
        customFields: { ...seen.input.customFields, ...input.customFields },
      };
    } else groups.set(id, { indexes: [index], input, alias: input.email ? id : undefined });
  });
  const tasks = [...groups.values()].map((group) => async () => {
    const outcome = await upsertPartnerLead(deps, principal, partner, group, source, compiled);
    const [first, ...repeats] = group.indexes;
    if (first !== undefined) results[first] = outcome;
    for (const i of repeats) {
      results[i] = outcome.status === 'rejected' ? outcome : { ...outcome, status: 'updated' };
    }
  });
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, tasks.length) }, async () => {
      while (next < tasks.length) await tasks[next++]?.();
    }),
  );
  return results.map((r) => r ?? { status: 'rejected', errors: [{ path: '', message: 'not processed' }] });
}

async function upsertPartnerLead(
  deps: RegistrationDeps,
  principal: PartnerPrincipal,
  partner: Partner,
  group: { input: PartnerLeadInput; alias: string | undefined },
  source: LeadSource,
  compiled: CompiledRegistration,
): Promise<PartnerLeadResult> {
  const actor = `partner:${partner.id}`;
  for (let attempt = 1; attempt <= REGISTER_ATTEMPTS; attempt++) {
    const existing = group.alias ? await deps.leads.getLead(group.alias) : undefined;
    const now = deps.clock.now().toISOString();
    if (!existing) {
      const lead = newPartnerLead(newId(), group.input, partner, source, now);
      // The email's name taken meanwhile (a racing call): the next round updates that lead.
      const written = await deps.leads.writeAliased({ next: lead, claims: group.alias ? [group.alias] : [] });
      if (written !== 'ok') continue;
      const done = await autoRegister(deps, principal, lead, compiled);
      return { status: 'created', ...done };
    }
    if (existing.partnerId !== partner.id) {
      return {
        status: 'rejected',
        errors: [{ path: 'email', message: 'your lead of this email was reassigned by the supplier' }],
      };
    }
    const changed = applyUpdate(existing, group.input, { source, actor }, now);
    if (!changed) return { status: 'updated', ...(await autoRegister(deps, principal, existing, compiled)) };
    const refusal = emailChangeRefusal(existing, changed);
    if (refusal) return { status: 'rejected', errors: refusal.details };
    if ((await deps.leads.replaceLead(existing, changed, [])) !== 'ok') continue;
    return { status: 'updated', ...(await autoRegister(deps, principal, changed, compiled)) };
  }
  throw new ConflictError('The lead kept changing while it was written; try again', [
    { path: 'email', message: 'changed meanwhile' },
  ]);
}

/** The partner's names of a lead whose email changed: the new email's claimed, the old one's released. */
function emailAliases(before: Lead, after: Lead): { claims: string[]; releases: string[] } {
  if (before.email === after.email || before.partnerId === null) return { claims: [], releases: [] };
  const name = (email: string | undefined) =>
    email ? [partnerLeadIdFor(before.supplierId, before.partnerId ?? '', email)] : [];
  return { claims: name(after.email), releases: name(before.email) };
}

/** A registered partner lead's email names it at the supplier: it cannot change. */
function emailChangeRefusal(before: Lead, after: Lead): ConflictError | undefined {
  if (before.registration?.status === 'unregistered' || before.registration === undefined) return undefined;
  if (before.email === after.email) return undefined;
  return new ConflictError('The email of a registered lead cannot change', [
    {
      path: 'email',
      message: `the lead is ${before.registration.status} with the supplier under ${before.email ?? 'no email'}`,
    },
  ]);
}

/** What a partner's PATCH of a lead changes: its own lead's fields, and the pipeline. */
export interface PartnerLeadPatch {
  fields?: PartnerLeadInput | undefined;
  pipeline?:
    | {
        pipelineStatus?: Lead['pipelineStatus'];
        opportunityValue?: Lead['opportunityValue'];
        salesRepId?: string | null | undefined;
      }
    | undefined;
}

/**
 * A partner changes its own lead's fields (`PATCH /v1/leads/{id}`), the pipeline too
 * when asked, in one conditional write; an unregistered lead then meets the
 * auto-registration rules. The fields of a lead the supplier distributed are the
 * supplier's (403); a registered lead keeps its email (409).
 */
export async function updatePartnerLead(
  deps: RegistrationDeps,
  principal: PartnerPrincipal,
  leadId: string,
  patch: PartnerLeadPatch,
): Promise<{ lead: Lead; registration?: RegistrationOutcome }> {
  const partner = await partnerOf(deps, principal);
  const actor = `partner:${partner.id}`;
  assertSalesRep(partner, patch.pipeline?.salesRepId);
  const fields = patch.fields ?? {};
  const named = Object.keys(fields).filter((k) => fields[k as keyof PartnerLeadInput] !== undefined);
  for (let attempt = 1; attempt <= REGISTER_ATTEMPTS; attempt++) {
    const lead = ownLead(await deps.leads.getLead(leadId), principal, leadId);
    if (named.length > 0 && lead.registration === undefined) {
      throw new ForbiddenError('The fields of a lead the supplier distributed are the supplier’s', [
        { path: named[0] ?? '', message: 'only your own leads’ fields change; the pipeline is yours to set' },
      ]);
    }
    const now = deps.clock.now().toISOString();
    let next = named.length > 0 ? (applyUpdate(lead, fields, { source: 'API', actor }, now) ?? lead) : lead;
    const refusal = emailChangeRefusal(lead, next);
    if (refusal) throw refusal;
    if (patch.pipeline && Object.values(patch.pipeline).some((v) => v !== undefined)) {
      const piped = pipelineUpdate(next, {
        partnerId: partner.id,
        ...patch.pipeline,
        actor,
        now: deps.clock.now(),
      });
      if ('refused' in piped) throw refusalError(piped);
      next = piped.next === next ? next : { ...piped.next, version: lead.version + 1 };
    }
    if (next !== lead) {
      const moved = emailAliases(lead, next);
      const written = await deps.leads.writeAliased({ previous: lead, next, ...moved });
      if (written === 'claimed') {
        const other = next.email ? await deps.leads.getLead(moved.claims[0] ?? '') : undefined;
        throw new ConflictError('You have another lead with this email', [
          { path: 'email', message: `${next.email} is your lead ${other?.id ?? ''}`.trim() },
        ]);
      }
      if (written !== 'ok') continue;
    }
    // Rules run on every update of an unregistered lead's fields, as on every create (changed or not).
    if (named.length === 0 || next.registration?.status !== 'unregistered') return { lead: next };
    const compiled = await loadAutoRegistration(deps, partner);
    return autoRegister(deps, principal, next, compiled);
  }
  throw new ConflictError('The lead changed while this request ran; read it and try again', [
    { path: 'version', message: 'changed meanwhile' },
  ]);
}

/**
 * The partner's unregistered leads a draft of its auto-registration would register
 * (`POST /v1/partner/registration-rules/preview`; `apply` registers them): one page of
 * its unregistered leads, newest first, each with the group that matched. `scanned`:
 * the unregistered leads the page looked at (a page may hold fewer matches; page on
 * until nextCursor is null).
 */
export async function previewRegistration(
  deps: RegistrationDeps,
  principal: PartnerPrincipal,
  draft: RegistrationDraft,
  page: PageQuery,
): Promise<{
  items: { lead: Lead; match: Extract<AutoRegistrationMatch, { registers: true }> }[];
  scanned: number;
  nextCursor: string | null;
}> {
  const partner = await partnerOf(deps, principal);
  const compiled = await loadAutoRegistration(deps, partner, draft);
  const leads: Page<Lead> = await deps.leads.queryLeads(
    principal.supplierId,
    unregisteredOf(partner.id),
    page,
  );
  const items = leads.items.flatMap((lead) => {
    const match = compiled.match(lead);
    return match.registers ? [{ lead, match }] : [];
  });
  return { items, scanned: leads.items.length, nextCursor: leads.nextCursor };
}

/** Registers what previewRegistration shows, one page at a time: each lead's outcome. */
export async function applyRegistration(
  deps: RegistrationDeps,
  principal: PartnerPrincipal,
  draft: RegistrationDraft,
  page: PageQuery,
): Promise<{
  items: { lead: Lead; outcome: RegistrationOutcome; conflict?: boolean; group: string }[];
  scanned: number;
  nextCursor: string | null;
}> {
  const preview = await previewRegistration(deps, principal, draft, page);
  const items: { lead: Lead; outcome: RegistrationOutcome; conflict?: boolean; group: string }[] = [];
  for (const { lead, match } of preview.items) {
    const done = await registerPartnerLead(deps, principal, lead.id, {
      by: 'rules',
      group: match.group,
      rules: match.rules,
    });
    items.push({ ...done, group: match.group });
  }
  return { items, scanned: preview.scanned, nextCursor: preview.nextCursor };
}

/** The partner's own leads not registered yet, newest first. */
function unregisteredOf(partnerId: string): LeadFilter {
  return {
    dateField: 'created',
    sort: 'created',
    order: 'desc',
    partnerIds: [partnerId],
    registrations: ['unregistered'],
    withPartnerOwn: true,
  };
}
