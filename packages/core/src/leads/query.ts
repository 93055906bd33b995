import { z } from 'zod';
import { ValidationError } from '../errors';
import { type Page, PageQuery } from '../pages';
import type { Principal } from '../principal';
import { matchesKeywords, queryKeywords } from '../search/tokens';
import type { TenantStore } from '../tenants/ports';
import { listAllPartners } from '../tenants/tenants';
import {
  DistributionStatus,
  distributionStatusChangeDays,
  EmailStatus,
  LEAD_TEXT_FIELDS,
  type Lead,
  LeadSource,
  LeadType,
  PipelineStatus,
  RegistrationStatus,
  sharedWithSupplier,
} from './lead';

/**
 * The All Leads view: which leads (a filter), in which order, with which columns.
 * One definition for the list (`GET /v1/leads`), the export and the tests' brute
 * force, so what a supplier sees, exports and what the tests check cannot differ.
 */

/** The columns every row carries (the seed's All Leads columns), in their order. */
export const SEED_COLUMNS = [
  'displayEmail',
  'partnerName',
  'createdAt',
  'updatedAt',
  'distributionStatus',
  'emailStatus',
  'distributionStatusChangeDays',
  'source',
] as const;

/** Core fields a view or an export may show (`custom.<name>` adds a custom field). */
export const LEAD_COLUMNS = [
  'id',
  'type',
  ...LEAD_TEXT_FIELDS,
  'score',
  'source',
  'partnerId',
  'partnerName',
  'distributionStatus',
  'emailStatus',
  'emailFailure',
  'pipelineStatus',
  'opportunityValue',
  'salesRepId',
  'rejectReason',
  'rerouteCount',
  'deadlineAt',
  'displayEmail',
  'createdAt',
  'updatedAt',
  'distributionStatusChangedAt',
  'distributionStatusChangeDays',
] as const;
export type LeadColumn = (typeof LEAD_COLUMNS)[number];
/** A core column, or `custom.<name>`. */
export type Column = LeadColumn | `custom.${string}`;

const CORE_COLUMNS: ReadonlySet<string> = new Set(LEAD_COLUMNS);

/** `columns=email,partnerName,custom.region` as columns; an unknown one is a 400 that names it. */
export function parseColumns(raw: string | undefined): Column[] | undefined {
  if (raw === undefined) return undefined;
  const columns = raw
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  const unknown = columns.filter(
    (c) => !CORE_COLUMNS.has(c) && !/^custom\.[A-Za-z][A-Za-z0-9 _.-]{0,63}$/.test(c),
  );
  if (unknown.length > 0) {
    throw new ValidationError(`Unknown column(s): ${unknown.join(', ')}`, [
      {
        path: 'columns',
        message: `unknown column(s): ${unknown.join(', ')} (core fields, or custom.<name>)`,
      },
    ]);
  }
  return [...new Set(columns)] as Column[];
}

/** A comma-separated list of enum values (`status=Pending,Accepted`). */
function list<T extends string>(values: z.ZodType<T, string>) {
  return z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== ''),
    )
    .pipe(z.array(values).min(1, 'name at least one value'));
}

/** A date (`2026-12-01`, the whole day) or an ISO-8601 UTC time. */
const DateOrTime = z.union([z.iso.date(), z.iso.datetime()]);

/** The query string of `GET /v1/leads` and `GET /v1/leads/export`. */
export const LeadListQuery = PageQuery.extend({
  dateField: z
    .enum(['created', 'updated'])
    .default('created')
    .describe('Which date `from`/`to` and `sort` use by default.'),
  from: DateOrTime.optional().describe('Leads at or after this date or time.'),
  to: DateOrTime.optional().describe('Leads at or before this date (the whole day) or time.'),
  assigned: z.enum(['all', 'assigned', 'unassigned']).default('all'),
  type: LeadType.optional(),
  status: list(DistributionStatus).optional().describe('Distribution statuses, comma-separated.'),
  emailStatus: list(EmailStatus).optional().describe('Email statuses, comma-separated.'),
  pipelineStatus: list(PipelineStatus).optional().describe('Pipeline statuses, comma-separated.'),
  partnerId: z.string().min(1).max(200).optional(),
  partnerGroup: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('A partner group: leads of the partners in it.'),
  source: list(LeadSource).optional().describe('Sources, comma-separated.'),
  conflict: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .describe(
      'Supplier: true for leads in a channel conflict (another partner registered the email), false for the others.',
    ),
  registration: list(RegistrationStatus)
    .optional()
    .describe(
      'Partner leads by registration: unregistered, registered, linked (a partner sees its unregistered and linked ones; a supplier only registered ones).',
    ),
  q: z
    .string()
    .max(200)
    .optional()
    .describe('Keywords: each matches the start of a word, ignoring case and accents.'),
  columns: z
    .string()
    .max(4000)
    .optional()
    .describe('Columns to add to each row: core fields, or custom.<name>.'),
  sort: z.enum(['created', 'updated']).optional().describe('Newest first; default: the dateField.'),
  order: z.enum(['desc', 'asc']).default('desc'),
});
export type LeadListQuery = z.output<typeof LeadListQuery>;

/**
 * Which leads of one supplier, resolved: a partner group became its partners, a
 * partner key's scope became its own partner id, `assigned` became statuses.
 * An absent field does not filter; an empty list matches nothing.
 */
export interface LeadFilter {
  dateField: 'created' | 'updated';
  /** Inclusive bounds, ISO-8601 UTC times. */
  from?: string;
  to?: string;
  types?: LeadType[];
  statuses?: DistributionStatus[];
  emailStatuses?: EmailStatus[];
  pipelineStatuses?: PipelineStatus[];
  partnerIds?: string[];
  sources?: LeadSource[];
  /** Folded keywords (search/tokens.ts), all of which must match. */
  keywords?: string[];
  /** true: only leads in a channel conflict; false: only the others. */
  conflict?: boolean;
  /** Only partner leads of these registration statuses. */
  registrations?: RegistrationStatus[];
  /**
   * Also the partners' own leads the supplier does not see (unregistered, linked): a
   * partner key's scope. Without it a view holds only what the supplier sees (sharedWithSupplier).
   */
  withPartnerOwn?: true;
  sort: 'created' | 'updated';
  order: 'desc' | 'asc';
}

const ASSIGNED: DistributionStatus[] = ['Pending', 'Accepted', 'Rejected', 'Rerouted'];

function intersect<T>(a: readonly T[] | undefined, b: readonly T[] | undefined): T[] | undefined {
  if (a === undefined) return b === undefined ? undefined : [...b];
  if (b === undefined) return [...a];
  return a.filter((x) => b.includes(x));
}

/**
 * The filter a query asks for. `groupPartners` answers the ids of a group's partners;
 * `scope` is a partner key's own partner (it sees only its leads).
 */
export function leadFilter(
  query: LeadListQuery,
  groupPartners: (group: string) => string[],
  scope?: { partnerId: string },
): LeadFilter {
  const assigned =
    query.assigned === 'assigned'
      ? ASSIGNED
      : query.assigned === 'unassigned'
        ? ['Unassigned' as const]
        : undefined;
  let partnerIds = query.partnerId === undefined ? undefined : [query.partnerId];
  if (query.partnerGroup !== undefined) partnerIds = intersect(partnerIds, groupPartners(query.partnerGroup));
  if (scope) partnerIds = intersect(partnerIds, [scope.partnerId]);
  const keywords = query.q === undefined ? [] : queryKeywords(query.q);
  const filter: LeadFilter = {
    dateField: query.dateField,
    sort: query.sort ?? query.dateField,
    order: query.order,
  };
  if (query.from !== undefined) filter.from = startOf(query.from);
  if (query.to !== undefined) filter.to = endOf(query.to);
  if (query.type !== undefined) filter.types = [query.type];
  const statuses = intersect(query.status, assigned);
  if (statuses !== undefined) filter.statuses = statuses;
  if (query.emailStatus !== undefined) filter.emailStatuses = query.emailStatus;
  if (query.pipelineStatus !== undefined) filter.pipelineStatuses = query.pipelineStatus;
  if (partnerIds !== undefined) filter.partnerIds = partnerIds;
  if (query.source !== undefined) filter.sources = query.source;
  if (keywords.length > 0) filter.keywords = keywords;
  if (query.conflict !== undefined) {
    if (scope) {
      throw new ValidationError('conflict is a supplier’s filter', [
        { path: 'conflict', message: 'a partner does not see channel conflicts; use a supplier key' },
      ]);
    }
    filter.conflict = query.conflict;
  }
  if (query.registration !== undefined) filter.registrations = query.registration;
  if (scope) filter.withPartnerOwn = true;
  return filter;
}

function startOf(value: string): string {
  return value.length === 10 ? `${value}T00:00:00.000Z` : new Date(value).toISOString();
}

function endOf(value: string): string {
  return value.length === 10 ? `${value}T23:59:59.999Z` : new Date(value).toISOString();
}

/** The date a filter's range (`dateField`) or order (`sort`) reads. */
export function leadDate(lead: Pick<Lead, 'createdAt' | 'updatedAt'>, field: 'created' | 'updated'): string {
  return field === 'created' ? lead.createdAt : lead.updatedAt;
}

/** Whether a lead passes the filter: the definition every store's query must agree with. */
export function matchesFilter(lead: Lead, filter: LeadFilter): boolean {
  const date = leadDate(lead, filter.dateField);
  const within = <T>(allowed: readonly T[] | undefined, value: T | undefined) =>
    allowed === undefined || (value !== undefined && allowed.includes(value));
  return (
    (filter.from === undefined || date >= filter.from) &&
    (filter.to === undefined || date <= filter.to) &&
    within(filter.types, lead.type) &&
    within(filter.statuses, lead.distributionStatus) &&
    within(filter.emailStatuses, lead.emailStatus) &&
    within(filter.pipelineStatuses, lead.pipelineStatus) &&
    within(filter.partnerIds, lead.partnerId ?? undefined) &&
    within(filter.sources, lead.source) &&
    (filter.conflict === undefined || (lead.conflict !== undefined) === filter.conflict) &&
    within(filter.registrations, lead.registration?.status) &&
    (filter.withPartnerOwn === true || sharedWithSupplier(lead)) &&
    matchesKeywords(lead, filter.keywords ?? [])
  );
}

/** The order of a view: by the sort date, then the id (ties), newest first unless `asc`. */
export function compareLeads(filter: Pick<LeadFilter, 'sort' | 'order'>): (a: Lead, b: Lead) => number {
  const sign = filter.order === 'asc' ? 1 : -1;
  return (a, b) => {
    const ka = `${leadDate(a, filter.sort)}#${a.id}`;
    const kb = `${leadDate(b, filter.sort)}#${b.id}`;
    return ka < kb ? -sign : ka > kb ? sign : 0;
  };
}

/** One column's value of a lead (custom.<name>: the custom field; absent: undefined). */
export function columnValue(lead: Lead, column: Column, now: Date): unknown {
  if (column.startsWith('custom.')) return lead.customFields[column.slice('custom.'.length)];
  if (column === 'distributionStatusChangeDays') return distributionStatusChangeDays(lead, now);
  return (lead as unknown as Record<string, unknown>)[column];
}

/** A row of the view: `id`, the seed's columns, then the chosen ones (a custom field under `custom.<name>`). */
export function leadRow(lead: Lead, columns: readonly Column[], now: Date): Record<string, unknown> {
  const row: Record<string, unknown> = { id: lead.id };
  for (const column of [...SEED_COLUMNS, ...columns]) row[column] = columnValue(lead, column, now) ?? null;
  return row;
}

/** Where a view's leads come from: the store answers a filtered, ordered page (every filter from an index). */
export interface LeadViews {
  queryLeads(supplierId: string, filter: LeadFilter, page: PageQuery): Promise<Page<Lead>>;
}

/**
 * The filter a list or export query asks for, for this caller: a partner group becomes
 * its partners (the supplier's partners, read only when a group is named), a partner key
 * sees only its own leads.
 */
export async function viewFilter(
  deps: { tenants: TenantStore },
  principal: Extract<Principal, { kind: 'supplier' | 'partner' }>,
  query: LeadListQuery,
): Promise<LeadFilter> {
  const partners =
    query.partnerGroup === undefined
      ? []
      : await listAllPartners({ store: deps.tenants }, principal.supplierId);
  const inGroup = (group: string) => partners.filter((p) => p.groups.includes(group)).map((p) => p.id);
  return leadFilter(
    query,
    inGroup,
    principal.kind === 'partner' ? { partnerId: principal.partnerId } : undefined,
  );
}
