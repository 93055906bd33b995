import { LeadSource, LeadType, type RegistrationStatus } from './lead';
import type { LeadFilter } from './query';

/**
 * Which index drives a view's query, and which of the filter's fields are checked
 * on the items it reads (post-filters). Pure: the store turns a plan into Queries.
 *
 * The driving index is the most selective indexed field the filter names, by a fixed
 * heuristic order (no statistics are kept):
 *
 *   conflict=true (rare, a sparse index) > partnerIds (a few partners) > emailStatuses > pipelineStatuses > statuses
 *   > sources / types > keywords (with a keyword index) > the date (byCreated / byUpdated)
 *
 * - A field that names every one of its values (emailStatus=all five) selects nothing
 *   and never drives (it stays a post-filter, which passes every lead).
 * - partnerIds drive only up to MAX_DRIVING_PARTNERS partners (16 partitions each):
 *   a big group is cheaper read from the next index and post-filtered.
 * - Every index but byUpdated sorts by createdAt. `sort=updated` is served by byUpdated
 *   alone, every other field a post-filter.
 * - The date range is the driving Query's key condition when the index sorts by the
 *   filter's dateField; otherwise it is a post-filter too.
 * - Keywords drive only when a keyword index is there (the search store) and the sort
 *   is by created; otherwise they are checked in memory on the items read.
 * - The partners' own leads the supplier does not see (unregistered, linked) sit only in
 *   partitions of their partner's own in byPartner and byUpdated (the store's keys): a
 *   supplier's view never reads them; a partner key's scope (withPartnerOwn, its partnerIds)
 *   names them in `own` (OwnPartitions), and they join the driving Query's partitions, or
 *   replace them when the filter asks for those leads alone; a filter no partner-only lead
 *   can match leaves them out. A partner scope always names its partner, so byPartner
 *   drives it (or byUpdated, for sort=updated).
 * - A filter with an empty list (a partner group without partners) matches nothing:
 *   the plan is `none`, and no Query is made.
 */
export type LeadDriver =
  | { index: 'byCreated' }
  | { index: 'byUpdated'; own?: OwnPartitions }
  | { index: 'byPartner'; partnerIds: string[]; own?: OwnPartitions }
  | { index: 'byEmail'; emailStatuses: string[] }
  | { index: 'byPipeline'; pipelineStatuses: string[] }
  | { index: 'byStatus'; statuses: string[] }
  | { index: 'bySource'; pairs: { type: string; source: string }[] }
  | { index: 'keywords' }
  | { index: 'byConflict' }
  | { index: 'none' };

/**
 * A partner key's view of byPartner or byUpdated: the partitions of these partners' own
 * leads (the supplier does not see them) join the driving Query's, or, when the filter
 * can match nothing else (registration=unregistered,linked), stand alone.
 */
export interface OwnPartitions {
  partnerIds: string[];
  only?: true;
}

/** The filter fields a plan checks on the items read (beside what its index answers). */
export type PostFilterField =
  | 'date'
  | 'types'
  | 'statuses'
  | 'emailStatuses'
  | 'pipelineStatuses'
  | 'partnerIds'
  | 'sources'
  | 'keywords'
  | 'conflict'
  | 'registrations';

export interface LeadPlan {
  driver: LeadDriver;
  /** Whether the date range is the driving Query's key condition (the index sorts by the dateField). */
  rangeOnKey: boolean;
  /** Post-filters: a FilterExpression on the driving Query (keywords: in memory). */
  post: PostFilterField[];
}

/** Most partners whose byPartner partitions (16 each) one page merges. */
export const MAX_DRIVING_PARTNERS = 6;

const ALL_EMAIL = 5;
const ALL_STATUS = 5;

export interface PlanOptions {
  /** A keyword index is available (the search store): keywords may drive. */
  keywordIndex?: boolean;
}

export function planLeadQuery(filter: LeadFilter, options: PlanOptions = {}): LeadPlan {
  const lists = [
    filter.types,
    filter.statuses,
    filter.emailStatuses,
    filter.pipelineStatuses,
    filter.partnerIds,
    filter.sources,
    filter.registrations,
  ];
  if (lists.some((l) => l !== undefined && l.length === 0)) {
    return { driver: { index: 'none' }, rangeOnKey: false, post: [] };
  }
  const hasDate = filter.from !== undefined || filter.to !== undefined;
  const chosen = chooseDriver(filter, options);
  const sortsBy = chosen.index === 'byUpdated' ? 'updated' : 'created';
  const rangeOnKey = hasDate && sortsBy === filter.dateField;
  const post: PostFilterField[] = [];
  if (hasDate && !rangeOnKey) post.push('date');
  const served = (field: PostFilterField): boolean => {
    switch (chosen.index) {
      case 'byPartner':
        return field === 'partnerIds';
      case 'byEmail':
        return field === 'emailStatuses';
      case 'byPipeline':
        return field === 'pipelineStatuses';
      case 'byStatus':
        return field === 'statuses';
      case 'bySource':
        return field === 'types' || field === 'sources';
      case 'keywords':
        return field === 'keywords';
      case 'byConflict':
        return field === 'conflict';
      default:
        return false;
    }
  };
  const fields: [PostFilterField, unknown][] = [
    ['types', filter.types],
    ['statuses', filter.statuses],
    ['emailStatuses', filter.emailStatuses],
    ['pipelineStatuses', filter.pipelineStatuses],
    ['partnerIds', filter.partnerIds],
    ['sources', filter.sources],
    ['keywords', filter.keywords?.length ? filter.keywords : undefined],
    ['conflict', filter.conflict],
    ['registrations', filter.registrations],
  ];
  for (const [field, value] of fields) if (value !== undefined && !served(field)) post.push(field);
  return { driver: chosen, rangeOnKey, post };
}

/** The registration statuses of a partner's own leads the supplier does not see (core sharedWithSupplier). */
const PARTNER_ONLY: readonly RegistrationStatus[] = ['unregistered', 'linked'];

/**
 * Whether a partner key's view reads its own leads' partitions, and whether only them:
 * not when the filter cannot match a partner-only lead (another registration status, a
 * type but registered), alone when it can match nothing else.
 */
function ownPartitions(filter: LeadFilter): { own?: OwnPartitions } {
  const { partnerIds, registrations, types } = filter;
  if (filter.withPartnerOwn !== true || partnerIds === undefined) return {};
  if (registrations !== undefined && !registrations.some((r) => PARTNER_ONLY.includes(r))) return {};
  if (types !== undefined && !types.includes('registered')) return {};
  const only = registrations?.every((r) => PARTNER_ONLY.includes(r)) === true;
  return { own: { partnerIds: [...new Set(partnerIds)], ...(only && { only: true as const }) } };
}

function chooseDriver(filter: LeadFilter, options: PlanOptions): LeadDriver {
  const { partnerIds, emailStatuses, pipelineStatuses, statuses } = filter;
  const own = ownPartitions(filter);
  if (filter.sort === 'updated') return { index: 'byUpdated', ...own };
  if (filter.conflict === true) return { index: 'byConflict' };
  if (partnerIds !== undefined && partnerIds.length <= MAX_DRIVING_PARTNERS) {
    return { index: 'byPartner', partnerIds: [...new Set(partnerIds)], ...own };
  }
  if (emailStatuses !== undefined && new Set(emailStatuses).size < ALL_EMAIL) {
    return { index: 'byEmail', emailStatuses: [...new Set(emailStatuses)] };
  }
  if (pipelineStatuses !== undefined) {
    return { index: 'byPipeline', pipelineStatuses: [...new Set(pipelineStatuses)] };
  }
  if (statuses !== undefined && new Set(statuses).size < ALL_STATUS) {
    return { index: 'byStatus', statuses: [...new Set(statuses)] };
  }
  if (filter.types !== undefined || filter.sources !== undefined) {
    const types = filter.types ?? LeadType.options;
    const sources = filter.sources ?? LeadSource.options;
    const pairs = [...new Set(types)].flatMap((type) =>
      [...new Set(sources)].map((source) => ({ type, source })),
    );
    if (pairs.length < LeadType.options.length * LeadSource.options.length)
      return { index: 'bySource', pairs };
  }
  if (filter.keywords?.length && options.keywordIndex) return { index: 'keywords' };
  return { index: 'byCreated' };
}
