import { useEffect, useId, useMemo, useRef, useState } from 'preact/hooks';
import { useLocation, useRouter, useSearchParams } from 'wouter-preact';
import {
  allPartners,
  type Export,
  exportView,
  followExport,
  joinValues,
  type LeadSummary,
  listLeads,
  listValues,
  PAGE_SIZES,
  type PageSize,
  pageSizeFromSearch,
  rememberView,
  type ViewQuery,
  viewFromSearch,
  viewToSearch,
} from '../../data/leads';
import { useTenant } from '../../tenant';
import { useAction, useLoad } from '../../ui/data';
import { ErrorNote, Outcome } from '../../ui/errors';
import { Field, PageTitle } from '../../ui/form';
import {
  ColumnValue,
  columnLabel,
  columnText,
  DISTRIBUTION_STATUSES,
  EMAIL_STATUS_WORDS,
  EMAIL_STATUSES,
  LEAD_SOURCES,
  SEED_COLUMNS,
} from '../../ui/lead-parts';
import { Pager, usePager } from '../../ui/pager';
import { type ColumnDef, DataTable } from '../../ui/table';
import { ColumnChooser, useColumns } from './lead-columns';
import './leads.css';

/** Marks for the render budget (50 rows within 200 ms of the API's answer): the tests read the measure. */
const ANSWER_MARK = 'leads:answer';
export const RENDER_MEASURE = 'leads:render';

const SORTS = [
  { value: 'created:desc', label: 'Newest created first' },
  { value: 'created:asc', label: 'Oldest created first' },
  { value: 'updated:desc', label: 'Newest modified first' },
  { value: 'updated:asc', label: 'Oldest modified first' },
] as const;

/**
 * All Leads: every lead of the supplier (distributed, and registered by partners), filtered
 * as the seed's view is (dates, assigned or not, type, statuses, partner, group, source,
 * conflict, keywords), in the columns the person chose, paged, and exported as it is shown.
 * The filters live in the address bar, so a view can be bookmarked and Back goes back.
 */
export default function AllLeads() {
  const { me, tenant } = useTenant();
  const [search, setSearch] = useSearchParams();
  const [, navigate] = useLocation();
  const { base } = useRouter();
  const view = useMemo(() => viewFromSearch(search), [search]);
  const pageSize = pageSizeFromSearch(search);
  const viewKey = viewToSearch(view, pageSize);
  const pager = usePager(viewKey);
  useEffect(() => rememberView(viewKey), [viewKey]);
  const leads = useLoad(async () => {
    const page = await listLeads(view, pageSize, pager.cursor);
    performance.clearMarks(ANSWER_MARK);
    performance.mark(ANSWER_MARK);
    return page;
  }, [viewKey, pager.cursor]);
  const partners = useLoad(allPartners, []);
  const [columns, setColumns] = useColumns(me.user.id, tenant.tenant);

  const setView = (next: ViewQuery) => setSearch(viewToSearch(next, pageSize));
  const change = (patch: Partial<ViewQuery>) => setView({ ...view, ...patch });

  // The time from the API's answer to the rows on screen (after the commit; the effect runs after paint).
  useEffect(() => {
    if (!leads.data || performance.getEntriesByName(ANSWER_MARK).length === 0) return;
    performance.clearMeasures(RENDER_MEASURE);
    performance.measure(RENDER_MEASURE, ANSWER_MARK);
    performance.clearMarks(ANSWER_MARK);
  }, [leads.data]);

  const rows = leads.data?.items ?? [];
  const seenCustom = useMemo(() => {
    const names = new Set<string>();
    for (const lead of rows) for (const name of Object.keys(lead.customFields)) names.add(name);
    return [...names].sort();
  }, [rows]);

  const columnsKey = columns.join('\n');
  // Column definitions only change with the chosen columns: a new page re-renders cells, not definitions.
  const defs = useMemo<ColumnDef<LeadSummary, unknown>[]>(
    () =>
      columns.map((id, index) => ({
        id,
        header: () => <ColumnHeader id={id} />,
        cell:
          index === 0
            ? ({ row }) => (
                <a href={`${base}/leads/${encodeURIComponent(row.original.id)}`} data-lead={row.original.id}>
                  {columnText(row.original, id) === '' ? (
                    <span>Open lead {row.original.displayEmail}</span>
                  ) : (
                    <ColumnValue lead={row.original} column={id} />
                  )}
                </a>
              )
            : ({ row }) => <ColumnValue lead={row.original} column={id} />,
      })),
    [columnsKey, base],
  );
  // One click listener for every row's link (a router Link per row costs a subscription each);
  // a link's click is also what Enter on it sends, and a modified click still opens a new tab.
  const tableBox = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const box = tableBox.current;
    if (!box) return;
    const open = (e: MouseEvent) => {
      const link = (e.target as Element).closest?.('a[data-lead]');
      if (!link || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      navigate(`/leads/${encodeURIComponent(link.getAttribute('data-lead') ?? '')}`);
    };
    box.addEventListener('click', open);
    return () => box.removeEventListener('click', open);
  }, [navigate]);

  const filtered = VIEW_FILTER_KEYS.some((k) => view[k] !== undefined);
  const [chooserOpen, setChooserOpen] = useState(false);
  const chooserId = useId();
  const exp = useExport(view, columns);

  return (
    <>
      <PageTitle
        actions={
          <>
            <button
              type="button"
              aria-expanded={chooserOpen}
              aria-controls={chooserId}
              onClick={() => setChooserOpen((o) => !o)}
            >
              Columns
            </button>
            <button type="button" class="primary" onClick={exp.start} disabled={exp.action.busy}>
              {exp.action.busy ? 'Exporting…' : 'Export'}
            </button>
          </>
        }
      >
        All Leads
      </PageTitle>
      <ExportNotes exp={exp} />
      <p class="muted leads-intro">
        Every lead you distributed and every lead your partners registered. Narrow the view with the filters;
        Export downloads exactly this view.
      </p>

      <div id={chooserId} hidden={!chooserOpen}>
        {chooserOpen ? (
          <ColumnChooser columns={columns} onChange={setColumns} seenCustom={seenCustom} />
        ) : null}
      </div>

      <Filters view={view} change={change} partners={partners.data} />
      <div class="leads-bar">
        {filtered ? (
          <button type="button" class="link" onClick={() => setView({})}>
            Clear filters
          </button>
        ) : null}
        <Field label="Sort">
          {(id) => (
            <select
              id={id}
              value={`${view.sort ?? view.dateField ?? 'created'}:${view.order ?? 'desc'}`}
              onChange={(e) => {
                const [sort, order] = (e.currentTarget as HTMLSelectElement).value.split(':') as [
                  'created' | 'updated',
                  'desc' | 'asc',
                ];
                change({ sort, order });
              }}
            >
              {SORTS.map((s) => (
                <option key={s.value} value={s.value}>
                  {s.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Leads per page">
          {(id) => (
            <select
              id={id}
              value={String(pageSize)}
              onChange={(e) =>
                setSearch(
                  viewToSearch(view, Number((e.currentTarget as HTMLSelectElement).value) as PageSize),
                )
              }
            >
              {PAGE_SIZES.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>

      <ErrorNote error={leads.error} title="Could not load the leads." />
      <ErrorNote error={partners.error} title="Could not load the partners for the filters." />
      <p class="leads-count" aria-live="polite">
        {leads.loading
          ? 'Loading leads…'
          : leads.data
            ? `${rows.length} ${rows.length === 1 ? 'lead' : 'leads'} on page ${pager.page}${
                leads.data.nextCursor ? '; more on the next page' : ''
              }.`
            : ''}
      </p>
      <div
        class={leads.loading ? 'leads-table leads-stale' : 'leads-table'}
        aria-busy={leads.loading}
        ref={tableBox}
      >
        <DataTable
          caption="All Leads"
          data={rows}
          columns={defs}
          rowId={(lead) => lead.id}
          empty={leads.loading ? 'Loading…' : filtered ? 'No leads match these filters.' : 'No leads yet.'}
        />
      </div>
      <Pager pager={pager} nextCursor={leads.data?.nextCursor} count={rows.length} label="Lead pages" />
    </>
  );
}

/** The filters that narrow the view (the order alone does not count as a filter). */
const VIEW_FILTER_KEYS = [
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
] as const satisfies readonly (keyof ViewQuery)[];

function ColumnHeader({ id }: { id: string }) {
  if (id.startsWith('custom.')) {
    return (
      <>
        {id.slice('custom.'.length)} <span class="leads-custom-mark">(custom)</span>
      </>
    );
  }
  return <>{columnLabel(id)}</>;
}

function Filters({
  view,
  change,
  partners,
}: {
  view: ViewQuery;
  change: (patch: Partial<ViewQuery>) => void;
  partners: { id: string; name: string; groups: string[] }[] | undefined;
}) {
  const [keywords, setKeywords] = useState(view.q ?? '');
  // Back and Clear filters change the query: the search field follows.
  useEffect(() => setKeywords(view.q ?? ''), [view.q]);
  const groups = useMemo(() => [...new Set((partners ?? []).flatMap((p) => p.groups))].sort(), [partners]);
  const statuses = listValues(view.status);
  const emailStatuses = listValues(view.emailStatus);
  const toggle = (list: string[], value: string, on: boolean) =>
    joinValues(on ? [...list, value] : list.filter((v) => v !== value));
  const select = (value: string) => (value === '' ? undefined : value);
  const choice = (e: Event) => (e.currentTarget as HTMLSelectElement | HTMLInputElement).value;

  return (
    <section class="panel leads-filters" aria-label="Filters">
      <search>
        <form
          class="leads-search"
          onSubmit={(e) => {
            e.preventDefault();
            change({ q: keywords.trim() === '' ? undefined : keywords.trim() });
          }}
        >
          <Field label="Search" hint="Keywords in the lead’s fields: each matches the start of a word.">
            {(id, d) => (
              <input
                id={id}
                type="search"
                value={keywords}
                aria-describedby={d}
                onInput={(e) => setKeywords((e.currentTarget as HTMLInputElement).value)}
              />
            )}
          </Field>
          <div class="field">
            <button type="submit" class="primary">
              Search
            </button>
          </div>
        </form>
      </search>
      <div class="row">
        <Field label="Dates">
          {(id) => (
            <select
              id={id}
              value={view.dateField ?? 'created'}
              onChange={(e) => change({ dateField: choice(e) as ViewQuery['dateField'] })}
            >
              <option value="created">Created</option>
              <option value="updated">Modified</option>
            </select>
          )}
        </Field>
        <Field label="From">
          {(id) => (
            <input
              id={id}
              type="date"
              value={view.from ?? ''}
              onChange={(e) => change({ from: select(choice(e)) })}
            />
          )}
        </Field>
        <Field label="To">
          {(id) => (
            <input
              id={id}
              type="date"
              value={view.to ?? ''}
              onChange={(e) => change({ to: select(choice(e)) })}
            />
          )}
        </Field>
        <Field label="Leads">
          {(id) => (
            <select
              id={id}
              value={view.assigned ?? 'all'}
              onChange={(e) => change({ assigned: choice(e) as ViewQuery['assigned'] })}
            >
              <option value="all">All Leads</option>
              <option value="assigned">Assigned Leads</option>
              <option value="unassigned">Unassigned Leads</option>
            </select>
          )}
        </Field>
        <Field label="Type">
          {(id) => (
            <select
              id={id}
              value={view.type ?? ''}
              onChange={(e) => change({ type: select(choice(e)) as ViewQuery['type'] })}
            >
              <option value="">Distributed and Registered</option>
              <option value="distributed">Distributed</option>
              <option value="registered">Registered</option>
            </select>
          )}
        </Field>
        <Field label="Partner">
          {(id) => (
            <select
              id={id}
              value={view.partnerId ?? ''}
              onChange={(e) => change({ partnerId: select(choice(e)) })}
            >
              <option value="">All partners</option>
              {view.partnerId && !partners?.some((p) => p.id === view.partnerId) ? (
                <option value={view.partnerId}>{view.partnerId}</option>
              ) : null}
              {(partners ?? []).map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Partner group">
          {(id) => (
            <select
              id={id}
              value={view.partnerGroup ?? ''}
              onChange={(e) => change({ partnerGroup: select(choice(e)) })}
            >
              <option value="">All groups</option>
              {view.partnerGroup && !groups.includes(view.partnerGroup) ? (
                <option value={view.partnerGroup}>{view.partnerGroup}</option>
              ) : null}
              {groups.map((g) => (
                <option key={g} value={g}>
                  {g}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Source">
          {(id) => (
            <select id={id} value={view.source ?? ''} onChange={(e) => change({ source: select(choice(e)) })}>
              <option value="">All sources</option>
              {view.source && !(LEAD_SOURCES as readonly string[]).includes(view.source) ? (
                <option value={view.source}>{view.source.split(',').join(', ')}</option>
              ) : null}
              {LEAD_SOURCES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Channel conflict">
          {(id) => (
            <select
              id={id}
              value={view.conflict ?? ''}
              onChange={(e) => change({ conflict: select(choice(e)) as ViewQuery['conflict'] })}
            >
              <option value="">Any</option>
              <option value="true">In conflict</option>
              <option value="false">Not in conflict</option>
            </select>
          )}
        </Field>
      </div>
      <div class="row leads-checks">
        <fieldset>
          <legend>Dist. Status</legend>
          {DISTRIBUTION_STATUSES.map((s) => (
            <label key={s} class="check">
              <input
                type="checkbox"
                checked={statuses.includes(s)}
                onChange={(e) =>
                  change({ status: toggle(statuses, s, (e.currentTarget as HTMLInputElement).checked) })
                }
              />
              {s}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Email Status</legend>
          {EMAIL_STATUSES.map((s) => (
            <label key={s} class="check">
              <input
                type="checkbox"
                checked={emailStatuses.includes(s)}
                onChange={(e) =>
                  change({
                    emailStatus: toggle(emailStatuses, s, (e.currentTarget as HTMLInputElement).checked),
                  })
                }
              />
              {EMAIL_STATUS_WORDS[s]}
            </label>
          ))}
        </fieldset>
      </div>
    </section>
  );
}

/**
 * Export: the view as it is filtered, with the chosen columns. A small view is the CSV
 * itself (saved at once); a large one is written to a file, followed here until it is done.
 */
function useExport(view: ViewQuery, columns: readonly string[]) {
  const action = useAction();
  const [running, setRunning] = useState<Export | undefined>(undefined);
  const follow = useRef<AbortController | undefined>(undefined);
  useEffect(() => () => follow.current?.abort(), []);
  // The API always writes the lead id and the seed's columns first; it takes the others as `columns`.
  const extra = columns.filter((c) => c !== 'id' && !(SEED_COLUMNS as readonly string[]).includes(c));

  const start = () => {
    follow.current?.abort();
    setRunning(undefined);
    void action.run(
      async () => {
        const answer = await exportView(view, extra);
        if (answer.kind === 'file') {
          return `Downloaded ${answer.fileName}: ${answer.rows} ${answer.rows === 1 ? 'lead' : 'leads'}.`;
        }
        const controller = new AbortController();
        follow.current = controller;
        setRunning(answer.export);
        const done = await followExport(answer.export.id, setRunning, controller.signal);
        if (done.status === 'failed')
          throw new Error(`The export failed: ${done.failure ?? 'no reason given'}`);
        return `The export is ready: ${done.rows ?? 0} leads in ${done.fileName}.`;
      },
      (message) => message,
    );
  };
  return { action, running, start };
}

function ExportNotes({ exp }: { exp: ReturnType<typeof useExport> }) {
  const { action, running } = exp;
  return (
    <div class="leads-export-notes">
      {running?.status === 'running' ? (
        <p class="note note-info" role="status">
          A large view: the file {running.fileName} is being written. This page tells you when it is ready.
        </p>
      ) : null}
      <ErrorNote error={action.error} title="Not exported." />
      <Outcome message={action.outcome} />
      {running?.status === 'done' && running.downloadUrl ? (
        <p>
          <a href={running.downloadUrl} download={running.fileName}>
            Download {running.fileName}
          </a>{' '}
          <span class="muted">(the link works for one hour)</span>
        </p>
      ) : null}
    </div>
  );
}
