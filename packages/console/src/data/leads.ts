import { api, authorized, ok, type Schemas, toApiError } from '../api/client';
import type { paths } from '../api/schema';

/**
 * Leads as the All Leads view and the lead screens read them: the view's query (the same
 * for the list, the export and the address bar), its export, and the partners to pick from.
 */

export type LeadQuery = NonNullable<paths['/v1/leads']['get']['parameters']['query']>;
/** The filters and order of a view: the list's query without paging and columns. */
export type ViewQuery = Omit<LeadQuery, 'cursor' | 'limit' | 'columns'>;
export type LeadSummary = Schemas['LeadSummary'];
export type LeadView = Schemas['LeadView'];
export type HistoryEntry = Schemas['HistoryEntry'];
export type Partner = Schemas['Partner'];
export type Export = Schemas['Export'];

/** Every filter and order of `GET /v1/leads`, as named in its query (and so in the address bar). */
export const VIEW_KEYS = [
  'dateField',
  'from',
  'to',
  'assigned',
  'type',
  'status',
  'emailStatus',
  'partnerId',
  'partnerGroup',
  'source',
  'conflict',
  'q',
  'sort',
  'order',
] as const satisfies readonly (keyof ViewQuery)[];

/** What a view is when the query says nothing: left out of the address bar. */
const DEFAULTS: Partial<Record<keyof ViewQuery, string>> = {
  dateField: 'created',
  assigned: 'all',
  order: 'desc',
};

export const PAGE_SIZES = [50, 100, 500] as const;
export type PageSize = (typeof PAGE_SIZES)[number];

/** The view an address bar's query names (unknown keys ignored; bad values are the API's to name). */
export function viewFromSearch(search: URLSearchParams): ViewQuery {
  const view: Record<string, string> = {};
  for (const key of VIEW_KEYS) {
    const value = search.get(key);
    if (value !== null && value !== '' && value !== DEFAULTS[key]) view[key] = value;
  }
  return view as ViewQuery;
}

export function pageSizeFromSearch(search: URLSearchParams): PageSize {
  const n = Number(search.get('limit'));
  return (PAGE_SIZES as readonly number[]).includes(n) ? (n as PageSize) : PAGE_SIZES[0];
}

/** The address bar's query of a view and page size (defaults left out, keys in one order). */
export function viewToSearch(view: ViewQuery, pageSize: PageSize): string {
  const params = new URLSearchParams();
  for (const key of VIEW_KEYS) {
    const value = view[key];
    if (value !== undefined && value !== '' && value !== DEFAULTS[key]) params.set(key, String(value));
  }
  if (pageSize !== PAGE_SIZES[0]) params.set('limit', String(pageSize));
  return params.toString();
}

/** A comma-separated filter (`status=Pending,Accepted`) as its values, and back. */
export const listValues = (value: string | undefined): string[] =>
  value ? value.split(',').filter(Boolean) : [];
export const joinValues = (values: readonly string[]): string | undefined =>
  values.length > 0 ? values.join(',') : undefined;

/** One page of the view. */
export function listLeads(view: ViewQuery, pageSize: number, cursor: string | undefined) {
  return ok(
    api.GET('/v1/leads', {
      params: { query: { ...view, limit: pageSize, ...(cursor ? { cursor } : {}) } },
    }),
  ).then((page) => ({ items: page.items as LeadSummary[], nextCursor: page.nextCursor }));
}

/** Every partner of the supplier (paged through), for the partner filters and the reassign choice. */
export async function allPartners(): Promise<Partner[]> {
  const partners: Partner[] = [];
  let cursor: string | undefined;
  do {
    const page = await ok(
      api.GET('/v1/partners', { params: { query: { limit: 500, ...(cursor ? { cursor } : {}) } } }),
    );
    partners.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return partners.sort((a, b) => a.name.localeCompare(b.name));
}

export function getLead(id: string): Promise<LeadView> {
  return ok(api.GET('/v1/leads/{id}', { params: { path: { id } } })).then((r) => r.lead as LeadView);
}

export function leadHistory(id: string, cursor: string | undefined, limit = 50) {
  return ok(
    api.GET('/v1/leads/{id}/history', {
      params: { path: { id }, query: { limit, ...(cursor ? { cursor } : {}) } },
    }),
  );
}

export function assignLead(id: string, partnerId: string): Promise<LeadView> {
  return ok(api.POST('/v1/leads/{id}/assign', { params: { path: { id } }, body: { partnerId } })).then(
    (r) => r.lead,
  );
}

/** What an export answered: the file itself (saved), or a large export being written. */
export type ExportAnswer =
  | { kind: 'file'; fileName: string; rows: number }
  | { kind: 'started'; export: Export };

/**
 * Exports the view with these columns (`columns`: the ones after the seed's, as the API
 * takes them). A CSV answer is saved at once as a download; a large view answers 202 with
 * an export to follow (`followExport`).
 */
export async function exportView(view: ViewQuery, columns: readonly string[]): Promise<ExportAnswer> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(view)) if (value !== undefined) params.set(key, String(value));
  if (columns.length > 0) params.set('columns', columns.join(','));
  const response = await authorized(`/v1/leads/export?${params}`, { headers: { accept: 'text/csv' } });
  if (response.status === 202) {
    const body = (await response.json()) as { export: Export };
    return { kind: 'started', export: body.export };
  }
  if (!response.ok) throw toApiError(response.status, await response.json().catch(() => undefined));
  const fileName =
    /filename="?([^";]+)"?/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? 'leads.csv';
  const blob = await response.blob();
  const rows = csvRecordCount(await blob.text()) - 1;
  saveFile(blob, fileName);
  return { kind: 'file', fileName, rows: Math.max(0, rows) };
}

/** A large export's status, asked again every `everyMs` until it is done or failed (or `signal` aborts). */
export async function followExport(
  id: string,
  onStatus: (exp: Export) => void,
  signal: AbortSignal,
  everyMs = 1000,
): Promise<Export> {
  for (;;) {
    const { export: exp } = await ok(api.GET('/v1/exports/{id}', { params: { path: { id } }, signal }));
    onStatus(exp);
    if (exp.status !== 'running') return exp;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, everyMs);
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }
}

/** Saves a blob as a download (an object URL on a link, clicked). */
export function saveFile(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Records (header included) in RFC 4180 text: line breaks inside quotes do not end one. */
export function csvRecordCount(text: string): number {
  let records = 0;
  let quoted = false;
  let empty = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) quoted = !quoted;
    else if (c === 10 && !quoted) {
      if (!empty) records++;
      empty = true;
      continue;
    }
    if (c !== 13 && c !== 0xfeff) empty = false;
  }
  return empty ? records : records + 1;
}

const LAST_VIEW = 'leadrelay:all-leads:last-view';

/** Remembers the All Leads view last shown in this tab, so a lead's "Back to All Leads" returns to it. */
export function rememberView(search: string): void {
  try {
    sessionStorage.setItem(LAST_VIEW, search);
  } catch {
    // No storage: Back to All Leads shows the unfiltered view.
  }
}

export function lastViewHref(): string {
  let search = '';
  try {
    search = sessionStorage.getItem(LAST_VIEW) ?? '';
  } catch {
    // As above.
  }
  return search ? `/leads?${search}` : '/leads';
}
