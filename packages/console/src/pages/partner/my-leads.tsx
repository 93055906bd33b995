import { useMemo, useState } from 'preact/hooks';
import { Link, useSearchParams } from 'wouter-preact';
import { useLoad } from '../../ui/data';
import { ErrorNote } from '../../ui/errors';
import { Field, PageTitle } from '../../ui/form';
import { day, money } from '../../ui/format';
import { Pager, usePager } from '../../ui/pager';
import { type ColumnDef, DataTable } from '../../ui/table';
import {
  DISTRIBUTION_STATUSES,
  type LeadQuery,
  Leads,
  type PartnerLeadSummary,
  PIPELINE_STATUSES,
  Settings,
} from './data';
import { Deadline, PipelineBadge, RegistrationWords, repName, StatusBadge, useNow } from './parts';

const PAGE = 50;
const REGISTRATIONS = [
  ['unregistered', 'Not registered'],
  ['registered', 'Registered'],
  ['linked', 'Linked'],
] as const;

/**
 * All the partner's leads (every status), filtered by status, pipeline status, registration
 * and keywords, with the pipeline columns a sales rep works by. The filters live in the
 * address (`?status=Accepted&q=…`), so Back from a lead comes back to the same view.
 */
export default function MyLeads() {
  const [search, setSearch] = useSearchParams();
  const status = search.get('status') ?? '';
  const pipeline = search.get('pipelineStatus') ?? '';
  const registration = search.get('registration') ?? '';
  const q = search.get('q') ?? '';
  const [keywords, setKeywords] = useState(q);
  const pager = usePager(`${status}|${pipeline}|${registration}|${q}`);
  const now = useNow();

  const settings = useLoad(() => Settings.get(), []);
  const reps = settings.data?.settings.salesReps;
  const leads = useLoad(() => {
    const query: LeadQuery = { limit: PAGE, sort: 'updated' };
    if (status) query.status = status;
    if (pipeline) query.pipelineStatus = pipeline;
    if (registration) query.registration = registration;
    if (q) query.q = q;
    if (pager.cursor) query.cursor = pager.cursor;
    return Leads.list(query);
  }, [status, pipeline, registration, q, pager.cursor]);

  const set = (name: string, value: string) =>
    setSearch((prev) => {
      const next = new URLSearchParams(prev);
      if (value) next.set(name, value);
      else next.delete(name);
      return next;
    });

  const columns = useMemo<ColumnDef<PartnerLeadSummary, unknown>[]>(
    () => [
      {
        id: 'lead',
        header: 'Lead',
        cell: ({ row }) => <Link href={`/my-leads/${row.original.id}`}>{row.original.displayEmail}</Link>,
      },
      { id: 'company', header: 'Company', cell: ({ row }) => row.original.company ?? '' },
      {
        id: 'status',
        header: 'Status',
        cell: ({ row }) => (
          <>
            <StatusBadge status={row.original.distributionStatus} />{' '}
            <RegistrationWords registration={row.original.registration} />
          </>
        ),
      },
      {
        id: 'pipeline',
        header: 'Pipeline status',
        cell: ({ row }) => <PipelineBadge status={row.original.pipelineStatus} />,
      },
      {
        id: 'value',
        header: 'Opportunity value',
        cell: ({ row }) => money(row.original.opportunityValue),
      },
      { id: 'rep', header: 'Sales rep', cell: ({ row }) => repName(reps, row.original.salesRepId) },
      {
        id: 'deadline',
        header: 'Deadline',
        cell: ({ row }) =>
          row.original.distributionStatus === 'Pending' || row.original.distributionStatus === 'Rerouted' ? (
            <Deadline at={row.original.deadlineAt} now={now} />
          ) : (
            ''
          ),
      },
      { id: 'updated', header: 'Updated', cell: ({ row }) => day(row.original.updatedAt) },
    ],
    [reps, now],
  );

  return (
    <>
      <PageTitle>My leads</PageTitle>
      <form
        class="panel filters"
        aria-label="Filter leads"
        onSubmit={(e) => {
          e.preventDefault();
          set('q', keywords.trim());
        }}
      >
        <div class="row">
          <Field label="Status">
            {(id) => (
              <select
                id={id}
                value={status}
                onChange={(e) => set('status', (e.currentTarget as HTMLSelectElement).value)}
              >
                <option value="">All</option>
                {DISTRIBUTION_STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Pipeline status">
            {(id) => (
              <select
                id={id}
                value={pipeline}
                onChange={(e) => set('pipelineStatus', (e.currentTarget as HTMLSelectElement).value)}
              >
                <option value="">All</option>
                {PIPELINE_STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Registration">
            {(id) => (
              <select
                id={id}
                value={registration}
                onChange={(e) => set('registration', (e.currentTarget as HTMLSelectElement).value)}
              >
                <option value="">All</option>
                {REGISTRATIONS.map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Keywords" hint="Names, company, email…">
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
            <button type="submit">Search</button>
          </div>
          {status || pipeline || registration || q ? (
            <div class="field">
              <button
                type="button"
                class="link"
                onClick={() => {
                  setKeywords('');
                  setSearch(new URLSearchParams());
                }}
              >
                Clear filters
              </button>
            </div>
          ) : null}
        </div>
      </form>
      <ErrorNote error={leads.error} title="Could not load your leads." />
      <div aria-busy={leads.loading}>
        <DataTable
          caption="Your leads"
          data={leads.data?.items ?? []}
          columns={columns}
          rowId={(l) => l.id}
          empty={leads.loading ? 'Loading…' : 'No leads match these filters.'}
        />
      </div>
      <Pager
        pager={pager}
        nextCursor={leads.data?.nextCursor}
        count={leads.data?.items.length ?? 0}
        label="Lead pages"
      />
    </>
  );
}
