import type { Clock } from '../clock';
import { ConflictError, NotFoundError } from '../errors';
import type { TenantStore } from '../tenants/ports';
import type { Partner } from '../tenants/schemas';
import { type HistoryEntry, type Lead, sharedWithSupplier } from './lead';
import type { LeadStore, LoadChange } from './ports';

/** The history entry of a lead accepted at once because its partner auto-accepts. */
export function autoAccepted(partnerId: string, now: string): HistoryEntry {
  return { at: now, type: 'accepted', actor: 'system', detail: { reason: 'auto-accept', partnerId } };
}

/** Distribution statuses in which the lead counts against its partner's capacity. */
export function holdsCapacity(lead: Pick<Lead, 'distributionStatus' | 'partnerId'>): boolean {
  return (
    lead.partnerId !== null &&
    (lead.distributionStatus === 'Pending' || lead.distributionStatus === 'Rerouted')
  );
}

/**
 * The state transition of giving a lead to a partner (or taking it away, with
 * `partner` null): a new assignment version, Pending (or Accepted for an
 * auto-accept partner), the previous partner remembered, and the load changes
 * to write with it. Pure: the caller writes `next` and `loads` in one transaction.
 */
export function assignTransition(
  lead: Lead,
  partner: Pick<Partner, 'id' | 'name' | 'autoAccept'> | null,
  entry: Omit<HistoryEntry, 'at'>,
  now: string,
): { next: Lead; loads: LoadChange[] } {
  const loads: LoadChange[] = [];
  if (holdsCapacity(lead) && lead.partnerId)
    loads.push({ partnerId: lead.partnerId, delta: -1, capacity: null });
  const status = !partner ? 'Unassigned' : partner.autoAccept ? 'Accepted' : 'Pending';
  if (partner && status === 'Pending') loads.push({ partnerId: partner.id, delta: 1, capacity: null });
  const history: HistoryEntry[] = [...lead.history, { at: now, ...entry }];
  if (partner?.autoAccept) history.push(autoAccepted(partner.id, now));
  const previous =
    lead.partnerId && lead.partnerId !== partner?.id && !lead.previousPartnerIds.includes(lead.partnerId)
      ? [...lead.previousPartnerIds, lead.partnerId]
      : lead.previousPartnerIds;
  const {
    rejectReason: _r,
    pipelineStatus: _p,
    opportunityValue: _o,
    salesRepId: _s,
    emailFailure: _e,
    emailAttempt: _a,
    deadlineAt: _d,
    remindAt: _m,
    assignedAt: _t,
    rerouteFailure: _f,
    ...rest
  } = lead;
  return {
    next: {
      ...rest,
      partnerId: partner?.id ?? null,
      partnerName: partner?.name ?? null,
      distributionStatus: status,
      emailStatus: 'NotSent',
      assignmentVersion: lead.assignmentVersion + 1,
      ...(partner ? { assignedAt: now } : {}),
      previousPartnerIds: previous,
      history,
      updatedAt: now,
      distributionStatusChangedAt:
        status === lead.distributionStatus ? lead.distributionStatusChangedAt : now,
      version: lead.version + 1,
    },
    loads,
  };
}

export interface AssignDeps {
  leads: LeadStore;
  tenants: TenantStore;
  clock: Clock;
}

/**
 * A supplier assigns a lead by hand (an Unassigned one, or a reassignment).
 * Capacity does not stop a supplier's explicit choice; it is noted in the history.
 * Racing changes give one outcome: the loser gets a ConflictError with the current state.
 */
export async function assignLead(
  deps: AssignDeps,
  supplierId: string,
  leadId: string,
  partnerId: string,
): Promise<Lead> {
  const lead = await deps.leads.getLead(leadId);
  // A partner's own lead is not the supplier's until registered.
  if (!lead || lead.supplierId !== supplierId || !sharedWithSupplier(lead)) {
    throw new NotFoundError(`Lead ${leadId} not found`);
  }
  const partner = await deps.tenants.getPartner(supplierId, partnerId);
  if (!partner) {
    throw new NotFoundError(`Partner ${partnerId} not found`, [
      { path: 'partnerId', message: 'no such partner' },
    ]);
  }
  if (lead.partnerId === partner.id && lead.conflict) {
    // Settled for the partner that has the lead: the first registration keeps it.
    const now = deps.clock.now().toISOString();
    const kept = settleConflict({ ...lead, updatedAt: now, version: lead.version + 1 }, partner, now, true);
    if ((await deps.leads.replaceLead(lead, kept, [])) === 'ok') return kept;
    throw new ConflictError(`Lead ${leadId} changed meanwhile; read it and try again`, [
      { path: 'version', message: 'stale version' },
    ]);
  }
  if (lead.partnerId === partner.id && lead.distributionStatus !== 'Rejected') {
    throw new ConflictError(`Lead ${leadId} is already assigned to ${partner.name}`, [
      { path: 'partnerId', message: `already ${lead.distributionStatus} with this partner` },
    ]);
  }
  const now = deps.clock.now().toISOString();
  const pending = (await deps.leads.partnerLoads(supplierId, [partner.id])).get(partner.id) ?? 0;
  const overCapacity = partner.capacity !== null && pending >= partner.capacity;
  const { next, loads } = assignTransition(
    lead,
    partner,
    {
      type: 'assigned',
      actor: 'supplier',
      detail: {
        path: 'manual',
        partnerId: partner.id,
        partnerName: partner.name,
        previousPartnerId: lead.partnerId,
        ...(partner.paused ? { warning: 'partner is paused' } : {}),
        ...(overCapacity ? { warning: `partner is at capacity (${pending}/${partner.capacity})` } : {}),
        explanation: `Assigned by hand to ${partner.name}`,
      },
    },
    now,
  );
  const settled = settleConflict(next, partner, now);
  const result = await deps.leads.replaceLead(lead, settled, loads);
  if (result !== 'ok') {
    const current = await deps.leads.getLead(leadId);
    throw new ConflictError(`Lead ${leadId} changed meanwhile; it is now ${current?.distributionStatus}`, [
      { path: 'version', message: 'stale version' },
    ]);
  }
  return settled;
}

/**
 * The supplier's assignment settles a channel conflict: the lead goes where it says (or,
 * named its own partner, stays: `kept`), the claims leave the lead (and the conflict
 * filter), the history keeps them.
 */
function settleConflict(lead: Lead, partner: Pick<Partner, 'id' | 'name'>, now: string, kept = false): Lead {
  if (!lead.conflict) return lead;
  const { conflict, ...rest } = lead;
  return {
    ...rest,
    history: [
      ...lead.history,
      {
        at: now,
        type: 'conflict.settled',
        actor: 'supplier',
        detail: {
          partnerId: partner.id,
          partnerName: partner.name,
          claims: conflict.claims.map((c) => ({ partnerId: c.partnerId, partnerName: c.partnerName })),
          kept,
          explanation: kept
            ? `Kept with ${partner.name} by hand: the channel conflict is settled`
            : `Reassigned by hand to ${partner.name}: the channel conflict is settled`,
        },
      },
    ],
  };
}
