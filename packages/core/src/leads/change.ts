import type { Refusal } from '../distribution/transitions';
import { isRefusal, type Transition } from '../distribution/transitions';
import { ConflictError } from '../errors';
import type { Lead } from './lead';
import type { LeadStore } from './ports';

/** How many times a change is recomputed after losing a race to an unrelated write (an email event, say). */
export const MAX_CHANGE_ATTEMPTS = 8;

/** A short random pause before trying again, growing with each lost race, so racing writers spread out. */
function backoff(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(200, 5 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export type ChangeOutcome =
  | { changed: true; lead: Lead }
  /** The transition answered the lead itself: nothing to write (a retried change, an event seen twice). */
  | { changed: false; lead: Lead }
  | { refused: Refusal; lead: Lead }
  | { missing: true };

/**
 * Applies a transition to a lead with one conditional write on its version. A
 * stale write (someone changed the lead meanwhile) reads the lead again and
 * recomputes: when the racing change decided the lead, the transition refuses;
 * when it was unrelated, the change lands on the new version, after a short
 * random pause. Throws ConflictError after {@link MAX_CHANGE_ATTEMPTS} lost races.
 */
export async function changeLead(
  leads: Pick<LeadStore, 'getLead' | 'replaceLead'>,
  leadId: string,
  transition: (lead: Lead) => Transition | Refusal | Promise<Transition | Refusal>,
): Promise<ChangeOutcome> {
  let lead: Lead | undefined;
  for (let attempt = 0; attempt < MAX_CHANGE_ATTEMPTS; attempt++) {
    lead = await leads.getLead(leadId);
    if (!lead) return { missing: true };
    const result = await transition(lead);
    if (isRefusal(result)) return { refused: result, lead };
    if (result.next === lead) return { changed: false, lead };
    const written = await leads.replaceLead(lead, result.next, result.loads, { event: result.event });
    if (written === 'ok') return { changed: true, lead: result.next };
    // The event was applied before (a redelivery, or a racing copy of it won).
    if (written === 'seen-before') return { changed: false, lead };
    await backoff(attempt);
  }
  throw new ConflictError('The lead changed while this request ran; read it and try again', [
    { path: 'distributionStatus', message: `is ${lead?.distributionStatus ?? 'unknown'}` },
  ]);
}

/** Reads a lead and its history stay apart before one of them is answered anyway (a lead changing without pause). */
const SNAPSHOT_ATTEMPTS = 5;

/**
 * The lead with its latest `limit` history entries (oldest first), as of one version: the
 * lead item and its history items are two reads, and a change landing between them would
 * show entries the lead's fields do not have yet. So the lead is read again after the
 * history; when its version moved, both are read again. A change writes the lead and its
 * history items in one transaction, so an unchanged version means the history read is that
 * version's.
 */
export async function leadWithLatestHistory(
  leads: Pick<LeadStore, 'getLead' | 'listHistory'>,
  lead: Lead,
  limit: number,
): Promise<Lead> {
  let current = lead;
  let history = (await leads.listHistory(current.id, { limit })).items.reverse();
  for (let attempt = 1; attempt < SNAPSHOT_ATTEMPTS; attempt++) {
    const again = await leads.getLead(current.id);
    if (!again || again.version === current.version) break;
    current = again;
    history = (await leads.listHistory(current.id, { limit })).items.reverse();
  }
  return { ...current, history };
}
