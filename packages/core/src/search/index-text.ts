import { createHash } from 'node:crypto';
import { type Lead, sharedWithSupplier } from '../leads/lead';
import type { LeadStore } from '../leads/ports';
import { leadGrams, leadWords } from './tokens';

/**
 * The token index, the stream side: a lead's change (its old and new images, from
 * the table stream) becomes the token items of its new text. Idempotent and
 * order-safe by the lead's own version: a per-lead state records the version
 * applied and the token set it wrote (each gram with a digest of its words), a
 * change applies only when its version is newer, and what it writes is the
 * difference between that set and the new one. Changes that leave the text alone
 * (status, email status, pipeline: most of them) read and write nothing.
 *
 * A failure between the token writes and the state write leaves the state at the
 * old version, so the stream's retry of the same record (it comes back before any
 * later record of the lead: the stream keeps one item's records in order) writes
 * the same difference again and completes it. The state write is conditional on
 * the state read (`rev`); when it loses a race, the writer repairs what it may have
 * overwritten by applying the lead as it is now, rewriting every gram it touched.
 */

/** The version a removed lead's state gets: no record of it is ever newer. */
export const REMOVED_VERSION = Number.MAX_SAFE_INTEGER;

/** What a lead's token items are: one per gram, with the lead's words under it. */
export interface LeadTokenState {
  /** The lead version whose text the token items hold (REMOVED_VERSION: the lead is gone). */
  version: number;
  /** Counts the state's writes: the condition of the next one. */
  rev: number;
  /** Each gram kept, with a digest of its words (gramsDigest). */
  grams: Record<string, string>;
}

/** A token item to write: the lead's words under one gram. */
export interface TokenPut {
  gram: string;
  words: string[];
}

/** The lead a token item points at (its key: supplier, creation time, id). */
export type TokenLead = Pick<Lead, 'id' | 'supplierId' | 'createdAt' | 'version'>;

/** Where token items and their per-lead state live (packages/store: DynamoSearchStore). */
export interface SearchTokenStore {
  tokenState(leadId: string): Promise<LeadTokenState | undefined>;
  /** Puts and deletes token items (unconditional, any number). */
  writeTokens(lead: TokenLead, puts: readonly TokenPut[], deletes: readonly string[]): Promise<void>;
  /** Writes the state if its `rev` is still `expectedRev` (undefined: no state yet); false when it moved. */
  commitTokenState(leadId: string, state: LeadTokenState, expectedRev: number | undefined): Promise<boolean>;
  /** The lead as it is now (a consistent read), for the repair after a lost race. */
  currentLead(leadId: string): Promise<Lead | undefined>;
}

/** One stream record, as leads: the image before and after (either may be absent). */
export interface LeadTextChange {
  old?: Lead | undefined;
  lead?: Lead | undefined;
}

export type TextChangeOutcome = 'ignored' | 'unchanged' | 'stale' | 'applied';

/** Attempts of one change before it fails (each lost only to a concurrent writer of the same lead). */
const MAX_ATTEMPTS = 5;

/** A short digest of a gram's words: the state item stays small, and a change of words shows. */
export function wordsDigest(words: readonly string[]): string {
  return createHash('sha1').update(words.join(' ')).digest('base64url').slice(0, 10);
}

/** Whether two leads' searched text has the same words (nothing to index). */
export function sameText(a: Parameters<typeof leadWords>[0], b: Parameters<typeof leadWords>[0]): boolean {
  const x = leadWords(a);
  const y = leadWords(b);
  return x.size === y.size && [...x].every((w) => y.has(w));
}

/** Applies one change to the token index. */
export async function indexLeadText(
  store: SearchTokenStore,
  change: LeadTextChange,
): Promise<TextChangeOutcome> {
  const { old, lead } = change;
  const subject = lead ?? old;
  if (subject === undefined) return 'ignored';
  // The index holds what the supplier sees: a partner's own lead has no tokens until it is registered.
  const shared = (l: Lead | undefined) => l !== undefined && sharedWithSupplier(l);
  if (!shared(old) && !shared(lead)) return 'ignored';
  if (old !== undefined && lead !== undefined && shared(old) === shared(lead) && sameText(old, lead)) {
    return 'unchanged';
  }
  let target = lead;
  let version = lead?.version ?? REMOVED_VERSION;
  /** Grams this writer put or deleted in an attempt whose state write failed: rewritten from now on. */
  const touched = new Set<string>();
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const state = await store.tokenState(subject.id);
    if (state !== undefined && state.version >= version) {
      if (touched.size === 0) return 'stale';
      // Lost a race to a newer version after writing: put back the lead's text as it is now.
      target = await store.currentLead(subject.id);
      version = target?.version ?? REMOVED_VERSION;
      if (state.version > version) version = state.version;
    }
    const grams =
      target === undefined || version === REMOVED_VERSION || !sharedWithSupplier(target)
        ? new Map()
        : leadGrams(target);
    const digests: Record<string, string> = {};
    const puts: TokenPut[] = [];
    for (const [gram, words] of grams) {
      const digest = wordsDigest(words);
      digests[gram] = digest;
      if (touched.has(gram) || state?.grams[gram] !== digest) puts.push({ gram, words });
    }
    const deletes = [...new Set([...Object.keys(state?.grams ?? {}), ...touched])].filter(
      (g) => !grams.has(g),
    );
    await store.writeTokens(target ?? subject, puts, deletes);
    for (const p of puts) touched.add(p.gram);
    for (const d of deletes) touched.add(d);
    const next: LeadTokenState = { version, rev: (state?.rev ?? 0) + 1, grams: digests };
    if (await store.commitTokenState(subject.id, next, state?.rev)) return 'applied';
  }
  throw new Error(`Token index of lead ${subject.id}: state kept moving after ${MAX_ATTEMPTS} attempts`);
}

/** Leads indexed at once in one batch (each lead's own changes one after another, in order). */
const LEADS_AT_ONCE = 8;

/**
 * A stream batch's changes: grouped by lead, each lead's in the batch's (stream)
 * order, leads in parallel. Answers the indexes of the changes that failed: a
 * failed change fails the lead's later changes too, so the stream's retry (from
 * the first failed record) brings them back in order.
 */
export async function indexLeadTexts(
  store: SearchTokenStore,
  changes: readonly LeadTextChange[],
): Promise<{ outcomes: (TextChangeOutcome | 'failed')[]; failed: number[]; errors: unknown[] }> {
  const byLead = new Map<string, number[]>();
  changes.forEach((change, i) => {
    const id = (change.lead ?? change.old)?.id;
    if (id === undefined) return;
    byLead.set(id, [...(byLead.get(id) ?? []), i]);
  });
  const outcomes: (TextChangeOutcome | 'failed')[] = changes.map(() => 'ignored');
  const errors: unknown[] = [];
  const queue = [...byLead.values()];
  const worker = async () => {
    for (let indexes = queue.shift(); indexes !== undefined; indexes = queue.shift()) {
      let failed = false;
      for (const i of indexes) {
        if (failed) {
          outcomes[i] = 'failed';
          continue;
        }
        try {
          outcomes[i] = await indexLeadText(store, changes[i] as LeadTextChange);
        } catch (error) {
          failed = true;
          outcomes[i] = 'failed';
          errors.push(error);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(LEADS_AT_ONCE, queue.length) }, worker));
  const failed = outcomes.flatMap((o, i) => (o === 'failed' ? [i] : []));
  return { outcomes, failed, errors };
}

/**
 * Indexes every lead of a supplier as it is now (newest first, a page at a time): the
 * backfill for leads written before the token index existed, or after records were
 * lost (older than the stream's retention). Version-gated like the stream side, so it
 * may run while the consumer runs, and again.
 */
export async function reindexSupplier(
  leads: Pick<LeadStore, 'listLeads'>,
  store: SearchTokenStore,
  supplierId: string,
  pageSize = 100,
): Promise<{ leads: number; applied: number }> {
  let cursor: string | undefined;
  let count = 0;
  let applied = 0;
  do {
    const page = await leads.listLeads(supplierId, { limit: pageSize, ...(cursor && { cursor }) });
    const { outcomes, failed, errors } = await indexLeadTexts(
      store,
      page.items.map((lead) => ({ lead })),
    );
    if (failed.length > 0) throw errors[0] ?? new Error(`${failed.length} leads failed to index`);
    count += page.items.length;
    applied += outcomes.filter((o) => o === 'applied').length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return { leads: count, applied };
}
