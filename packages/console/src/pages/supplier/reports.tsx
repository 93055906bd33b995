import type { ComponentChildren } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { loadAllOpportunities, loadOpportunityPage, loadReport } from '../../data/reports';
import { useAction, useLoad } from '../../ui/data';
import { detailsAt, ErrorNote, Outcome } from '../../ui/errors';
import { Field, PageTitle } from '../../ui/form';
import { day, money } from '../../ui/format';
import { Pager, usePager } from '../../ui/pager';
import { BarChart, describePivot } from './reports-chart';
import {
  CSV_COLUMNS,
  type CsvColumn,
  csvFileName,
  DETAIL_COLUMNS,
  DISTRIBUTION_STATUSES,
  dimension,
  EMAIL_STATUSES,
  lastDays,
  type Money,
  moneyOf,
  type OpportunityDetail,
  PIPELINE_STATUSES,
  type Pivot,
  partnerLabel,
  pivot,
  presetOf,
  type Range,
  type Report,
  type ReportName,
  type ReportRow,
  sumMoney,
  toCsv,
} from './reports-model';
import './reports.css';

const PRESETS = [7, 30, 90] as const;
const NAMES: ReportName[] = [
  'lead-summary',
  'distribution-summary',
  'opportunity-overview',
  'opportunity-summary',
  'rejections',
];
type Reports = Record<ReportName, Report>;

/** opportunity-summary's source groups, in words (the CSV keeps the API's names). */
const SOURCE_GROUPS: Record<string, string> = {
  distributed: 'Distributed by you',
  'partner-registered': 'Registered by partners',
  'auto-registered': 'Auto-registered',
  'api-integration': 'API integration',
};

const count = (n: number) => n.toLocaleString();
const moneyList = (values: readonly Money[] | undefined) =>
  values && values.length > 0 ? values.map((v) => money(v)).join(' + ') : '—';

/** Downloads text as a file, as the browser saves any download. */
function save(fileName: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Reports: the supplier's leads created in a range (UTC days) — by source, by partner and
 * distribution status, through the partners' pipelines, opportunities, rejections, and the
 * opportunity leads themselves. Each chart has a table of the same numbers beside it, and
 * each report downloads as CSV built from its rows.
 */
export default function ReportsPage() {
  const [range, setRange] = useState<Range>(() => lastDays(30));
  const [form, setForm] = useState<Range>(range);
  const reports = useLoad(async () => {
    const answers = await Promise.all(NAMES.map((name) => loadReport(name, range)));
    return Object.fromEntries(answers.map((r) => [r.report, r])) as Reports;
  }, [range.from, range.to]);
  const preset = presetOf(range, PRESETS);
  const choose = (r: Range) => {
    setForm(r);
    setRange(r);
  };

  return (
    <div class="reports">
      <PageTitle>Reports</PageTitle>
      <form
        class="panel range"
        aria-label="Date range"
        onSubmit={(e) => {
          e.preventDefault();
          setRange({ ...form });
        }}
      >
        <fieldset class="presets">
          <legend>Leads created in</legend>
          {PRESETS.map((days) => (
            <button
              key={days}
              type="button"
              aria-pressed={preset === days}
              class={preset === days ? 'pressed' : undefined}
              onClick={() => choose(lastDays(days))}
            >
              Last {days} days
            </button>
          ))}
        </fieldset>
        <div class="row">
          <Field label="From" errors={detailsAt(reports.error, 'from')}>
            {(id, d) => (
              <input
                id={id}
                type="date"
                required
                value={form.from}
                aria-describedby={d}
                onInput={(e) => setForm({ ...form, from: e.currentTarget.value })}
              />
            )}
          </Field>
          <Field label="To" errors={detailsAt(reports.error, 'to')}>
            {(id, d) => (
              <input
                id={id}
                type="date"
                required
                value={form.to}
                aria-describedby={d}
                onInput={(e) => setForm({ ...form, to: e.currentTarget.value })}
              />
            )}
          </Field>
          <div class="field">
            <button type="submit" class="primary">
              Show
            </button>
          </div>
        </div>
        <p class="muted range-note">
          {day(`${range.from}T12:00:00Z`)} to {day(`${range.to}T12:00:00Z`)}, both included (days in UTC).
          Counts follow each lead’s current state.
        </p>
      </form>

      <ErrorNote error={reports.error} title="Could not load the reports." />
      {reports.loading && !reports.data ? <p class="loading">Loading the reports…</p> : null}
      {reports.data ? <ReportSections reports={reports.data} range={range} stale={reports.loading} /> : null}
      <OpportunityDetails range={range} />
    </div>
  );
}

function ReportSections({ reports, range, stale }: { reports: Reports; range: Range; stale: boolean }) {
  const lead = reports['lead-summary'];
  const dist = reports['distribution-summary'];
  const pipe = reports['opportunity-overview'];
  const opp = reports['opportunity-summary'];
  const rej = reports.rejections;
  const p = useMemo(
    () => ({
      bySource: pivot(
        lead.rows,
        (r) => dimension(r, 'source'),
        (r) => dimension(r, 'type'),
        (r) => r.count,
        { colOrder: ['distributed', 'registered'], sortRows: 'total' },
      ),
      byStatus: pivot(
        dist.rows,
        partnerLabel,
        (r) => dimension(r, 'distributionStatus'),
        (r) => r.count,
        {
          colOrder: DISTRIBUTION_STATUSES,
          sortRows: 'total',
        },
      ),
      byEmail: pivot(
        dist.rows,
        partnerLabel,
        (r) => dimension(r, 'emailStatus'),
        (r) => r.count,
        {
          colOrder: EMAIL_STATUSES,
          sortRows: 'total',
        },
      ),
      byPipeline: pivot(
        pipe.rows,
        partnerLabel,
        (r) => dimension(r, 'pipelineStatus'),
        (r) => r.count,
        {
          colOrder: PIPELINE_STATUSES,
          sortRows: 'total',
        },
      ),
      valueByPartner: pivot(
        pipe.rows.filter((r) => moneyOf(r)),
        partnerLabel,
        (r) => moneyOf(r)?.currency ?? '',
        (r) => moneyOf(r)?.amount ?? 0,
        { sortRows: 'total' },
      ),
      byReason: pivot(
        rej.rows,
        (r) => dimension(r, 'reason', 'No reason'),
        partnerLabel,
        (r) => r.count,
        {
          sortRows: 'total',
        },
      ),
    }),
    [reports],
  );
  const valueSum = (rows: ReportRow[], keep: (r: ReportRow) => boolean) =>
    moneyList(sumMoney(rows.filter(keep).map(moneyOf)));
  const statusCount = (status: string) => p.byStatus.colTotal(status);
  const failed = p.byEmail.colTotal('Failed');
  const currencyMoney = (n: number, currency?: string) =>
    currency ? money({ amount: n, currency }) : count(n);
  const shortMoney = (n: number, currency?: string) => {
    try {
      return new Intl.NumberFormat(undefined, {
        ...(currency ? { style: 'currency', currency } : {}),
        notation: 'compact',
      }).format(n);
    } catch {
      return count(n);
    }
  };

  return (
    <div class={stale ? 'stale' : undefined} aria-busy={stale}>
      <section aria-labelledby="glance-heading" class="glance">
        <h2 id="glance-heading" class="sr-only">
          At a glance
        </h2>
        <dl>
          <Tile label="Leads created" value={count(lead.totals.count)} />
          <Tile label="Distributed" value={count(dist.totals.count)} />
          <Tile label="Accepted" value={count(statusCount('Accepted'))} />
          <Tile label="Rejected" value={count(statusCount('Rejected'))} />
          <Tile label="Unassigned" value={count(statusCount('Unassigned'))} />
          <Tile label="Notification failures" value={count(failed)} warn={failed > 0} />
          <Tile label="Opportunities" value={count(opp.totals.count)} />
          <Tile label="Opportunity value" value={moneyList(opp.totals.opportunityValue)} />
        </dl>
      </section>

      <ReportSection
        id="lead-summary"
        title="Leads by source"
        report={lead}
        range={range}
        rows={[
          { label: 'Source', cell: (r) => dimension(r, 'source') },
          { label: 'Type', cell: (r) => dimension(r, 'type') },
        ]}
      >
        <Figure
          title="Leads by source and type"
          pivot={p.bySource}
          rowHeader="Source"
          chart={{ horizontal: false }}
        />
      </ReportSection>

      <ReportSection
        id="distribution-summary"
        title="Distribution by partner"
        report={dist}
        range={range}
        rows={[
          { label: 'Partner', cell: partnerLabel },
          { label: 'Distribution status', cell: (r) => dimension(r, 'distributionStatus') },
          { label: 'Email status', cell: (r) => dimension(r, 'emailStatus') },
        ]}
        valued
      >
        <Figure
          title="Distributed leads by partner and distribution status"
          pivot={p.byStatus}
          rowHeader="Partner"
          chart={{ horizontal: true }}
          extra={{
            header: 'Opportunity value',
            cell: (partner) => valueSum(dist.rows, (r) => partnerLabel(r) === partner),
            total: moneyList(dist.totals.opportunityValue),
          }}
        />
        <Figure title="Notification email status by partner" pivot={p.byEmail} rowHeader="Partner" />
      </ReportSection>

      <ReportSection
        id="opportunity-overview"
        title="Partner pipelines"
        report={pipe}
        range={range}
        rows={[
          { label: 'Partner', cell: partnerLabel },
          { label: 'Pipeline status', cell: (r) => dimension(r, 'pipelineStatus') },
        ]}
        valued
      >
        <Figure
          title="Leads in a pipeline by partner and pipeline status"
          pivot={p.byPipeline}
          rowHeader="Partner"
          chart={{ horizontal: true }}
        />
        <Figure
          title="Opportunity value by partner"
          pivot={p.valueByPartner}
          rowHeader="Partner"
          chart={{ horizontal: true, stacked: false }}
          format={currencyMoney}
          tick={shortMoney}
          perCurrency
        />
      </ReportSection>

      <ReportSection
        id="opportunity-summary"
        title="Opportunities by source"
        report={opp}
        range={range}
        rows={[
          { label: 'Source', cell: (r) => SOURCE_GROUPS[dimension(r, 'source')] ?? dimension(r, 'source') },
        ]}
        valued
        openRows
      />

      <ReportSection
        id="rejections"
        title="Rejections"
        report={rej}
        range={range}
        rows={[
          { label: 'Reason', cell: (r) => dimension(r, 'reason', 'No reason') },
          { label: 'Partner', cell: partnerLabel },
          { label: 'Source', cell: (r) => dimension(r, 'source') },
        ]}
      >
        <Figure
          title="Rejected leads by reason and partner"
          pivot={p.byReason}
          rowHeader="Reason"
          chart={{ horizontal: true }}
        />
      </ReportSection>
    </div>
  );
}

function Tile({ label, value, warn }: { label: string; value: string; warn?: boolean }) {
  return (
    <div class={`tile${warn ? ' tile-warn' : ''}`}>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

interface RowColumn {
  label: string;
  cell: (row: ReportRow) => string;
}

/** One report: its figures, its rows as the API answers them (what the CSV holds), and the CSV. */
function ReportSection(props: {
  id: ReportName;
  title: string;
  report: Report;
  range: Range;
  rows: RowColumn[];
  valued?: boolean;
  /** Show the rows table open (a report with no chart). */
  openRows?: boolean;
  children?: ComponentChildren;
}) {
  const { report } = props;
  const [done, setDone] = useState<string | undefined>(undefined);
  const heading = `${props.id}-heading`;
  const rowsTable = (
    <RowsTable
      caption={`${props.title}: every row`}
      report={report}
      columns={props.rows}
      valued={props.valued ?? false}
    />
  );
  return (
    <section class="report" aria-labelledby={heading} data-report={props.id}>
      <div class="report-head">
        <h2 id={heading}>{props.title}</h2>
        <button
          type="button"
          aria-label={`Download CSV: ${props.title}`}
          onClick={() => {
            const name = csvFileName(props.id, props.range);
            save(name, toCsv(CSV_COLUMNS[props.id], report.rows));
            setDone(`Downloaded ${name} (${report.rows.length} rows).`);
          }}
        >
          Download CSV
        </button>
      </div>
      <Outcome message={done} />
      {props.children ? <div class="figures">{props.children}</div> : null}
      {props.openRows ? (
        rowsTable
      ) : (
        <details class="rows">
          <summary>All {report.rows.length} rows, as in the CSV</summary>
          {rowsTable}
        </details>
      )}
    </section>
  );
}

/**
 * A table's wrapper that scrolls sideways when the table is wider than the screen: focusable,
 * so the keyboard scrolls it too (axe's scrollable-region-focusable), and named.
 */
function ScrollRegion({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable from the keyboard
    <section class="table-wrap" aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}

function RowsTable(props: { caption: string; report: Report; columns: RowColumn[]; valued: boolean }) {
  const { report } = props;
  return (
    <ScrollRegion label={props.caption}>
      <table class="grid">
        <caption class="sr-only">{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th key={c.label} scope="col">
                {c.label}
              </th>
            ))}
            <th scope="col" class="num">
              Leads
            </th>
            {props.valued ? (
              <th scope="col" class="num">
                Opportunity value
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {report.rows.length === 0 ? (
            <tr>
              <td class="empty" colSpan={props.columns.length + (props.valued ? 2 : 1)}>
                No leads in this range.
              </td>
            </tr>
          ) : (
            report.rows.map((r, i) => (
              // Rows have no id; one answer's rows are never reordered.
              <tr key={i}>
                {props.columns.map((c) => (
                  <td key={c.label}>{c.cell(r)}</td>
                ))}
                <td class="num">{count(r.count)}</td>
                {props.valued ? <td class="num">{moneyOf(r) ? money(moneyOf(r)) : '—'}</td> : null}
              </tr>
            ))
          )}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={props.columns.length}>
              Total
            </th>
            <td class="num">{count(report.totals.count)}</td>
            {props.valued ? <td class="num">{moneyList(report.totals.opportunityValue)}</td> : null}
          </tr>
        </tfoot>
      </table>
    </ScrollRegion>
  );
}

/**
 * A chart and the table of its numbers (its accessible alternative), or the table alone:
 * a row per bar, a column per segment, totals last.
 */
function Figure(props: {
  title: string;
  pivot: Pivot;
  rowHeader: string;
  chart?: { horizontal?: boolean; stacked?: boolean };
  format?: (n: number, col?: string) => string;
  tick?: (n: number, col?: string) => string;
  /** Columns are currencies: no total across them. */
  perCurrency?: boolean;
  extra?: { header: string; cell: (row: string) => string; total: string };
}) {
  const { pivot: p, title } = props;
  const format = props.format ?? count;
  const label = describePivot(props.chart ? `Bar chart: ${title}` : title, p, format, !props.perCurrency);
  const showTotal = !props.perCurrency;
  return (
    <figure class={`figure${props.chart ? ' with-chart' : ''}`}>
      <figcaption>{title}</figcaption>
      {props.chart && p.rows.length > 0 ? (
        <BarChart
          pivot={p}
          label={label}
          horizontal={props.chart.horizontal ?? false}
          stacked={props.chart.stacked ?? true}
          format={format}
          {...(props.tick ? { tick: props.tick } : {})}
        />
      ) : null}
      <ScrollRegion label={`${title}: table`}>
        <table class="grid">
          <caption class="sr-only">{title}</caption>
          <thead>
            <tr>
              <th scope="col">{props.rowHeader}</th>
              {p.cols.map((c) => (
                <th key={c} scope="col" class="num">
                  {c}
                </th>
              ))}
              {showTotal && p.cols.length > 1 ? (
                <th scope="col" class="num">
                  Total
                </th>
              ) : null}
              {props.extra ? (
                <th scope="col" class="num">
                  {props.extra.header}
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {p.rows.length === 0 ? (
              <tr>
                <td class="empty" colSpan={2}>
                  No leads in this range.
                </td>
              </tr>
            ) : (
              p.rows.map((r) => (
                <tr key={r}>
                  <th scope="row">{r}</th>
                  {p.cols.map((c) => (
                    <td key={c} class="num">
                      {format(p.cell(r, c), c)}
                    </td>
                  ))}
                  {showTotal && p.cols.length > 1 ? <td class="num">{format(p.rowTotal(r))}</td> : null}
                  {props.extra ? <td class="num">{props.extra.cell(r)}</td> : null}
                </tr>
              ))
            )}
          </tbody>
          {p.rows.length > 0 ? (
            <tfoot>
              <tr>
                <th scope="row">Total</th>
                {p.cols.map((c) => (
                  <td key={c} class="num" data-total={(showTotal && p.cols.length === 1) || undefined}>
                    {format(p.colTotal(c), c)}
                  </td>
                ))}
                {showTotal && p.cols.length > 1 ? (
                  <td class="num" data-total>
                    {format(p.total)}
                  </td>
                ) : null}
                {props.extra ? <td class="num">{props.extra.total}</td> : null}
              </tr>
            </tfoot>
          ) : null}
        </table>
      </ScrollRegion>
    </figure>
  );
}

const detailColumns: { label: string; cell: (d: OpportunityDetail) => ComponentChildren; num?: boolean }[] = [
  { label: 'Lead', cell: (d) => <Link href={`/leads/${d.id}`}>{d.displayEmail}</Link> },
  { label: 'Company', cell: (d) => d.company ?? '' },
  { label: 'Partner', cell: (d) => d.partnerName ?? 'No partner' },
  { label: 'Sales rep', cell: (d) => d.salesRepId ?? '' },
  { label: 'Value', cell: (d) => money(d.opportunityValue), num: true },
  { label: 'Created', cell: (d) => day(d.createdAt) },
];

/** The opportunity leads themselves, newest first, a page at a time; the CSV holds them all. */
function OpportunityDetails({ range }: { range: Range }) {
  const pager = usePager(`${range.from}|${range.to}`);
  const page = useLoad(() => loadOpportunityPage(range, pager.cursor), [range.from, range.to, pager.cursor]);
  const download = useAction();
  const columns: CsvColumn<OpportunityDetail>[] = DETAIL_COLUMNS;
  return (
    <section class="report" aria-labelledby="opportunity-details-heading" data-report="opportunity-details">
      <div class="report-head">
        <h2 id="opportunity-details-heading">Opportunity leads</h2>
        <button
          type="button"
          aria-label="Download CSV: Opportunity leads"
          disabled={download.busy}
          onClick={() =>
            void download.run(
              async () => {
                const all = await loadAllOpportunities(range);
                const name = csvFileName('opportunity-details', range);
                save(name, toCsv(columns, all));
                return { name, n: all.length };
              },
              ({ name, n }) => `Downloaded ${name} (${n} rows).`,
            )
          }
        >
          Download CSV
        </button>
      </div>
      <ErrorNote error={download.error} title="Not downloaded." />
      <Outcome message={download.outcome} />
      <ErrorNote error={page.error} title="Could not load the opportunity leads." />
      <div class="table-wrap">
        <table class="grid">
          <caption class="sr-only">Opportunity leads</caption>
          <thead>
            <tr>
              {detailColumns.map((c) => (
                <th key={c.label} scope="col" class={c.num ? 'num' : undefined}>
                  {c.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {(page.data?.items ?? []).length === 0 ? (
              <tr>
                <td class="empty" colSpan={detailColumns.length}>
                  {page.loading ? 'Loading…' : 'No opportunities in this range.'}
                </td>
              </tr>
            ) : (
              page.data?.items.map((d) => (
                <tr key={d.id}>
                  {detailColumns.map((c) => (
                    <td key={c.label} class={c.num ? 'num' : undefined}>
                      {c.cell(d)}
                    </td>
                  ))}
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      <Pager
        pager={pager}
        nextCursor={page.data?.nextCursor}
        count={page.data?.items.length ?? 0}
        label="Opportunity lead pages"
      />
    </section>
  );
}
