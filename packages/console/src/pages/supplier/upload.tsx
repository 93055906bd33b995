import { Link } from 'wouter-preact';
import { api, ok, type Schemas } from '../../api/client';
import { useAction, useLoad } from '../../ui/data';
import { ErrorNote, Outcome } from '../../ui/errors';
import { PageTitle } from '../../ui/form';
import { when } from '../../ui/format';
import { Pager, usePager } from '../../ui/pager';
import { type ColumnDef, DataTable } from '../../ui/table';
import { toCsv } from './csv';
import {
  isFinal,
  mappingSourceWords,
  originWords,
  RowCounts,
  routingWords,
  StatusBadge,
  usePoll,
} from './upload-parts';
import './intake.css';

type RowError = Schemas['UploadRowError'];

/** Offers text as a file download (a Blob behind an object URL, clicked, then let go). */
export function download(fileName: string, text: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const ERRORS_PER_PAGE = 100;
/** The most the API answers per page: the CSV download asks for that many at a time. */
const ERRORS_PER_DOWNLOAD_PAGE = 1000;

/** Every row error of the upload, page after page, in row order. */
async function allErrors(id: string): Promise<RowError[]> {
  const errors: RowError[] = [];
  let cursor: string | undefined;
  do {
    const answer = await ok(
      api.GET('/v1/uploads/{id}', {
        params: {
          path: { id },
          query: { errorsLimit: ERRORS_PER_DOWNLOAD_PAGE, ...(cursor ? { errorsCursor: cursor } : {}) },
        },
      }),
    );
    errors.push(...answer.upload.errors);
    cursor = answer.errorsCursor ?? undefined;
  } while (cursor);
  return errors;
}

/** The errors file: one line per problem (a row with several problems has several lines). */
function errorsCsv(errors: readonly RowError[]): string {
  return toCsv([['row', 'column', 'message'], ...errors.map((e) => [e.row, e.column ?? '', e.message])]);
}

const errorColumns: ColumnDef<RowError, unknown>[] = [
  { id: 'row', header: 'Row', cell: ({ row }) => row.original.row },
  { id: 'column', header: 'Column', cell: ({ row }) => row.original.column ?? '' },
  { id: 'message', header: 'Problem', cell: ({ row }) => <span class="wrap">{row.original.message}</span> },
];

/** One upload: its status and counts (live while it is read), the mapping it was read with, its row errors. */
export default function UploadPage(props: { params: { id: string } }) {
  const id = props.params.id;
  const pager = usePager(`upload-errors:${id}`);
  const report = useLoad(
    () =>
      ok(
        api.GET('/v1/uploads/{id}', {
          params: {
            path: { id },
            query: { errorsLimit: ERRORS_PER_PAGE, ...(pager.cursor ? { errorsCursor: pager.cursor } : {}) },
          },
        }),
      ),
    [id, pager.cursor],
  );
  const upload = report.data?.upload;
  // Live while it is read; an API upload still waiting for its file is looked at less often.
  usePoll(
    Boolean(upload && !isFinal(upload.status)),
    report.reload,
    report.data,
    upload?.status === 'awaiting-file' ? 5000 : undefined,
  );
  const partnerId = upload?.routing.mode === 'partner' ? upload.routing.partnerId : undefined;
  const partner = useLoad(
    () =>
      partnerId
        ? ok(api.GET('/v1/partners/{id}', { params: { path: { id: partnerId } } }))
        : Promise.resolve(undefined),
    [partnerId],
  );
  const save = useAction();

  if (!upload) {
    return (
      <>
        <PageTitle>Upload</PageTitle>
        <ErrorNote error={report.error} title="Could not load the upload." />
        {report.error ? <Link href="/uploads">All uploads</Link> : <p class="loading">Loading…</p>}
      </>
    );
  }
  const mappingEntries = Object.entries(upload.mapping ?? {});
  const applied = upload.mappingApplied;
  return (
    <>
      <PageTitle actions={<Link href="/uploads">All uploads</Link>}>Upload: {upload.fileName}</PageTitle>
      <ErrorNote error={report.error} title="Could not refresh the upload." />
      <section class="panel" aria-labelledby="upload-status">
        <h2 id="upload-status">Status</h2>
        <div role="status" aria-live="polite">
          <p>
            <StatusBadge status={upload.status} />{' '}
            {!isFinal(upload.status) ? <span class="muted">(updating while it is read)</span> : null}
          </p>
          {upload.failure ? (
            <p class="note note-error">
              {upload.failure.message} <span class="code">({upload.failure.code})</span>
            </p>
          ) : null}
        </div>
        <RowCounts rows={upload.rows} />
        <dl class="fields">
          <dt>Origin</dt>
          <dd>{originWords(upload.origin)}</dd>
          <dt>Routing</dt>
          <dd>{routingWords(upload.routing, partner.data?.partner.name)}</dd>
          <dt>Started</dt>
          <dd>{when(upload.createdAt)}</dd>
          <dt>Finished</dt>
          <dd>{upload.finishedAt ? when(upload.finishedAt) : 'Not yet'}</dd>
          <dt>Object key</dt>
          <dd>
            <code>{upload.key}</code>
          </dd>
          {upload.versionOf ? (
            <>
              <dt>Same upload URL as</dt>
              <dd>
                <Link href={`/uploads/${upload.versionOf}`}>an earlier upload</Link> (another file PUT there)
              </dd>
            </>
          ) : null}
          {upload.otherVersions?.length ? (
            <>
              <dt>Other files at this URL</dt>
              <dd>
                {upload.otherVersions.map((v, i) => (
                  <span key={v}>
                    {i > 0 ? ', ' : ''}
                    <Link href={`/uploads/${v}`}>upload {i + 1}</Link>
                  </span>
                ))}
              </dd>
            </>
          ) : null}
        </dl>
        {upload.notes?.length ? (
          <div class="note note-info">
            <p>
              <strong>Notes on the read</strong>
            </p>
            <ul>
              {upload.notes.map((n) => (
                <li key={`${n.row ?? ''}:${n.message}`}>
                  {n.row !== undefined ? `Row ${n.row}: ` : ''}
                  {n.message}
                </li>
              ))}
            </ul>
          </div>
        ) : null}
      </section>

      <section aria-labelledby="upload-mapping">
        <h2 id="upload-mapping">Column mapping</h2>
        <p>
          {applied ? mappingSourceWords(applied.source) : 'Not read yet: the mapping is chosen at row 1.'}
        </p>
        {applied?.learntFrom ? (
          <p>
            Learnt from <Link href={`/uploads/${applied.learntFrom}`}>an earlier upload</Link>.
          </p>
        ) : null}
        {mappingEntries.length > 0 ? (
          <div class="table-wrap narrow">
            <table class="grid">
              <caption class="sr-only">Mapping given with the upload</caption>
              <thead>
                <tr>
                  <th scope="col">Column in the file</th>
                  <th scope="col">Lead field</th>
                </tr>
              </thead>
              <tbody>
                {mappingEntries.map(([header, target]) => (
                  <tr key={header}>
                    <td>{header}</td>
                    <td>{target === 'ignore' ? 'ignored' : target}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        {applied?.unused?.length ? (
          <p class="note note-warn">
            Not in the file’s header row (a typo, or another file’s mapping): {applied.unused.join(', ')}
          </p>
        ) : null}
      </section>

      <section aria-labelledby="upload-errors">
        <div class="page-title">
          <h2 id="upload-errors">Row errors</h2>
          <button
            type="button"
            disabled={save.busy || upload.rows.rejected === 0}
            onClick={() =>
              void save.run(
                async () => {
                  const errors = await allErrors(id);
                  download(`${upload.fileName.replace(/\.[^.]+$/, '')}-errors.csv`, errorsCsv(errors));
                  return errors.length;
                },
                (n) => `Downloaded ${n} row ${n === 1 ? 'error' : 'errors'} as CSV.`,
              )
            }
          >
            {save.busy ? 'Preparing…' : 'Download errors (CSV)'}
          </button>
        </div>
        <p class="muted">
          Rows are numbered as in a spreadsheet (the header is row 1). A rejected row created nothing; fix it
          and upload those rows again.
        </p>
        <ErrorNote error={save.error} title="The errors were not downloaded." />
        <Outcome message={save.outcome} />
        {upload.errors.length ? (
          <DataTable
            caption="Row errors"
            data={upload.errors}
            columns={errorColumns}
            rowId={(e) => `${e.row}:${e.column ?? ''}:${e.message}`}
          />
        ) : (
          <p class="muted">{isFinal(upload.status) ? 'No row errors.' : 'No row errors so far.'}</p>
        )}
        <Pager
          pager={pager}
          nextCursor={report.data?.errorsCursor}
          count={upload.errors.length}
          label="Row error pages"
        />
      </section>
    </>
  );
}
