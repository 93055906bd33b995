import { createHash } from 'node:crypto';
import {
  compareLeads,
  type Lead,
  type LeadFilter,
  type LeadStore,
  type LeadViews,
  leadDate,
  matchesFilter,
  type Page,
  type PageQuery,
  ValidationError,
} from '@leadrelay/core';

/**
 * INTERIM (until LeadStore.queryLeads lands): the All Leads view by brute force over a
 * store's own list. Every page reads all of the supplier's leads (listLeads), keeps
 * those matchesFilter passes, orders them by compareLeads and pages by the last key
 * taken (`<sort date>#<id>`), with a cursor bound to the supplier and the filter. The
 * definition the real queryLeads must agree with, at the cost of a full read per page:
 * for tests of a few hundred leads only.
 */
export class BruteForceLeadViews implements LeadViews {
  /** Pages answered (each one read every lead). */
  pages = 0;

  constructor(private readonly store: Pick<LeadStore, 'listLeads'>) {}

  async queryLeads(supplierId: string, filter: LeadFilter, page: PageQuery): Promise<Page<Lead>> {
    this.pages++;
    const scope = `${supplierId}:${createHash('sha256').update(JSON.stringify(filter)).digest('base64url')}`;
    const after = decode(page.cursor, scope);
    const all = await allLeads(this.store, supplierId);
    const key = (lead: Lead) => `${leadDate(lead, filter.sort)}#${lead.id}`;
    const rest = all
      .filter((lead) => matchesFilter(lead, filter))
      .sort(compareLeads(filter))
      .filter(
        (lead) => after === undefined || (filter.order === 'asc' ? key(lead) > after : key(lead) < after),
      );
    const items = rest.slice(0, page.limit);
    const last = items.at(-1);
    return {
      items,
      nextCursor: last && rest.length > items.length ? encode(scope, key(last)) : null,
    };
  }
}

/** Every lead of a supplier, through its list (newest first). */
export async function allLeads(store: Pick<LeadStore, 'listLeads'>, supplierId: string): Promise<Lead[]> {
  const leads: Lead[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listLeads(supplierId, { limit: 500, ...(cursor ? { cursor } : {}) });
    leads.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return leads;
}

function encode(scope: string, key: string): string {
  return Buffer.from(JSON.stringify({ s: scope, k: key }), 'utf8').toString('base64url');
}

function decode(cursor: string | undefined, scope: string): string | undefined {
  if (cursor === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  const { s, k } = (typeof value === 'object' && value !== null ? value : {}) as { s?: unknown; k?: unknown };
  if (s !== scope || typeof k !== 'string') {
    throw new ValidationError('Invalid cursor: pass the nextCursor of the previous page unchanged', [
      { path: 'cursor', message: 'not a cursor of this list and filter' },
    ]);
  }
  return k;
}
