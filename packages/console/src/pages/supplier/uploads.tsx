import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api, ok, type Schemas } from '../../api/client';
import { useAction, useLoad } from '../../ui/data';
import { detailsAt, ErrorNote } from '../../ui/errors';
import { Field, PageTitle } from '../../ui/form';
import { when } from '../../ui/format';
import { LEAD_TEXT_FIELDS } from '../../ui/lead-fields';
import { Pager, usePager } from '../../ui/pager';
import { type ColumnDef, DataTable } from '../../ui/table';
import { csvHeader } from './csv';
import { isFinal, isMoving, RowCounts, StatusBadge, type UploadView, usePoll } from './upload-parts';
import './intake.css';

type RoutingMode = Schemas['UploadRouting']['mode'];
type Partner = Schemas['Partner'];

/**
 * What a column may be mapped to. The lead fields are checked against the API's Lead type
 * (a renamed field fails the type check); `partner` and `fullName` are the mapping's own.
 */
const LEAD_FIELDS = [...LEAD_TEXT_FIELDS, 'score'] as const satisfies readonly (keyof Schemas['LeadView'])[];
const FIELD_WORDS: Record<string, string> = {
  email: 'Email',
  firstName: 'First name',
  lastName: 'Last name',
  fullName: 'Full name (split into first and last)',
  company: 'Company',
  title: 'Job title',
  phone: 'Phone',
  mobilePhone: 'Mobile phone',
  country: 'Country',
  state: 'State',
  city: 'City',
  postalCode: 'Postal code',
  product: 'Product',
  campaign: 'Campaign',
  score: 'Score',
  partner: 'Partner (id or name)',
};
const TARGETS = [...LEAD_FIELDS, 'fullName', 'partner'];

const ACCEPT = '.csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const isLeadFile = (name: string) => /\.(csv|xlsx)$/i.test(name);

/** The supplier's partners, every page (for the "every row to one partner" choice). */
async function allPartners(): Promise<Partner[]> {
  const partners: Partner[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 20; page++) {
    const answer = await ok(
      api.GET('/v1/partners', { params: { query: { limit: 500, ...(cursor ? { cursor } : {}) } } }),
    );
    partners.push(...answer.items);
    if (!answer.nextCursor) break;
    cursor = answer.nextCursor;
  }
  return partners;
}

/**
 * PUTs the file to the presigned URL (the bucket's origin, not the API's) with
 * XMLHttpRequest, for its upload progress events. Resolves once the bucket answered 2xx.
 */
function putFile(
  url: string,
  file: File,
  onProgress: (loaded: number, total: number) => void,
): { done: Promise<void>; abort(): void } {
  const xhr = new XMLHttpRequest();
  const done = new Promise<void>((resolve, reject) => {
    xhr.open('PUT', url);
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(file.size, file.size);
        resolve();
        return;
      }
      // S3 answers XML: <Error><Code>…</Code><Message>…</Message></Error>.
      const message = /<Message>([^<]*)<\/Message>/.exec(xhr.responseText)?.[1];
      reject(new Error(`The file store refused the file (${xhr.status})${message ? `: ${message}` : '.'}`));
    };
    xhr.onerror = () =>
      reject(
        new Error('The file could not be sent: the network failed or the file store refused the request.'),
      );
    xhr.onabort = () => reject(new Error('Sending the file was cancelled.'));
    xhr.send(file);
  });
  return { done, abort: () => xhr.abort() };
}

/** Uploads: send a lead file (drop it or choose it), watch it being read, and the uploads so far. */
export default function Uploads() {
  const pager = usePager('uploads');
  const list = useLoad(
    () =>
      ok(
        api.GET('/v1/uploads', {
          params: { query: { limit: 25, ...(pager.cursor ? { cursor: pager.cursor } : {}) } },
        }),
      ),
    [pager.cursor],
  );
  usePoll(Boolean(list.data?.items.some((u) => isMoving(u.status))), list.reload, list.data);

  return (
    <>
      <PageTitle>Uploads</PageTitle>
      <NewUpload onChange={list.reload} />
      <h2 id="past-uploads">Past uploads</h2>
      <p class="muted">
        Files sent here or by the API, and files dropped straight into the inbox bucket, newest first.
      </p>
      <ErrorNote error={list.error} title="Could not load the uploads." />
      {list.data?.items.length ? (
        <DataTable caption="Past uploads" data={list.data.items} columns={columns} rowId={(u) => u.id} />
      ) : (
        <p class="muted">{list.loading ? 'Loading…' : 'No uploads yet.'}</p>
      )}
      <Pager
        pager={pager}
        nextCursor={list.data?.nextCursor}
        count={list.data?.items.length ?? 0}
        label="Upload pages"
      />
    </>
  );
}

const columns: ColumnDef<UploadView, unknown>[] = [
  {
    id: 'file',
    header: 'File',
    cell: ({ row }) => <Link href={`/uploads/${row.original.id}`}>{row.original.fileName}</Link>,
  },
  {
    id: 'origin',
    header: 'Origin',
    cell: ({ row }) => (
      <span class={row.original.origin === 'drop' ? 'badge badge-info' : 'badge'}>
        {row.original.origin === 'drop' ? 'Inbox drop' : 'Upload'}
      </span>
    ),
  },
  { id: 'status', header: 'Status', cell: ({ row }) => <StatusBadge status={row.original.status} /> },
  { id: 'total', header: 'Rows', cell: ({ row }) => row.original.rows.total },
  { id: 'created', header: 'Created', cell: ({ row }) => row.original.rows.created },
  { id: 'updated', header: 'Updated', cell: ({ row }) => row.original.rows.updated },
  { id: 'rejected', header: 'Rejected', cell: ({ row }) => row.original.rows.rejected },
  { id: 'started', header: 'Started', cell: ({ row }) => when(row.original.createdAt) },
];

type Phase =
  | { step: 'choose' }
  | { step: 'sending'; upload: UploadView; loaded: number; total: number }
  | { step: 'watching'; upload: UploadView; errors: Schemas['UploadRowError'][] }
  | { step: 'send-failed'; upload: UploadView; error: unknown };

/** Choosing a file, its routing and mapping; sending it with progress; then its live status. */
function NewUpload({ onChange }: { onChange: () => void }) {
  const [file, setFile] = useState<File | undefined>(undefined);
  const [fileProblem, setFileProblem] = useState<string | undefined>(undefined);
  const [headers, setHeaders] = useState<string[]>([]);
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const [mode, setMode] = useState<RoutingMode>('rules');
  const [partnerId, setPartnerId] = useState('');
  const [column, setColumn] = useState('');
  const [over, setOver] = useState(false);
  const [phase, setPhase] = useState<Phase>({ step: 'choose' });
  const start = useAction();
  const input = useRef<HTMLInputElement>(null);
  const sending = useRef<{ abort(): void } | undefined>(undefined);
  const partners = useLoad(() => (mode === 'partner' ? allPartners() : Promise.resolve(undefined)), [mode]);

  useEffect(() => () => sending.current?.abort(), []);

  const choose = useCallback((chosen: File | undefined, more = 0) => {
    setFileProblem(undefined);
    setHeaders([]);
    setMapping({});
    if (!chosen) {
      setFile(undefined);
      return;
    }
    if (!isLeadFile(chosen.name)) {
      setFile(undefined);
      setFileProblem(`${chosen.name} is not a lead file: choose a .csv or .xlsx file.`);
      return;
    }
    setFile(chosen);
    if (more > 0) setFileProblem(`One file at a time: took ${chosen.name}, left ${more} more.`);
    if (/\.csv$/i.test(chosen.name)) {
      void chosen
        .slice(0, 64 * 1024)
        .text()
        .then((text) => setHeaders(csvHeader(text).filter(Boolean)));
    }
  }, []);

  // Watch the upload until it is done or failed.
  const watching = phase.step === 'watching' ? phase.upload : undefined;
  useEffect(() => {
    if (!watching || isFinal(watching.status)) return;
    const timer = setTimeout(() => {
      ok(
        api.GET('/v1/uploads/{id}', {
          params: { path: { id: watching.id }, query: { errorsLimit: 5 } },
        }),
      ).then(
        ({ upload }) => {
          const { errors, ...view } = upload;
          setPhase({ step: 'watching', upload: view, errors });
          if (isFinal(view.status) || view.status !== watching.status) onChange();
        },
        // A failed look is tried again at the next tick; the last status stays shown.
        () => setPhase((p) => (p.step === 'watching' ? { ...p, upload: { ...p.upload } } : p)),
      );
    }, 500);
    return () => clearTimeout(timer);
  }, [watching, onChange]);

  const send = async () => {
    if (!file) {
      setFileProblem('Choose a file first, or drop one here.');
      input.current?.focus();
      return;
    }
    const chosenMapping = Object.fromEntries(Object.entries(mapping).filter(([, target]) => target));
    const routing =
      mode === 'partner'
        ? { mode, partnerId }
        : mode === 'column'
          ? { mode, ...(column.trim() ? { column: column.trim() } : {}) }
          : { mode };
    const created = await start.run(() =>
      ok(
        api.POST('/v1/uploads', {
          body: {
            fileName: file.name,
            routing,
            ...(Object.keys(chosenMapping).length > 0 ? { mapping: chosenMapping } : {}),
          },
        }),
      ),
    );
    if (!created) return;
    const { upload, uploadUrl } = created;
    setPhase({ step: 'sending', upload, loaded: 0, total: file.size });
    onChange();
    const put = putFile(uploadUrl, file, (loaded, total) =>
      setPhase((p) => (p.step === 'sending' ? { ...p, loaded, total } : p)),
    );
    sending.current = put;
    try {
      await put.done;
      setPhase({ step: 'watching', upload, errors: [] });
    } catch (error) {
      setPhase({ step: 'send-failed', upload, error });
    } finally {
      sending.current = undefined;
    }
  };

  const again = () => {
    setPhase({ step: 'choose' });
    choose(undefined);
    start.clear();
    if (input.current) input.current.value = '';
  };

  if (phase.step !== 'choose') {
    return <UploadProgress phase={phase} onAgain={again} onCancel={() => sending.current?.abort()} />;
  }

  return (
    <form
      class="panel"
      aria-labelledby="new-upload-title"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      <h2 id="new-upload-title">Upload a lead file</h2>
      <section
        class={`dropzone${over ? ' over' : ''}`}
        aria-label="Drop a lead file here"
        onDragEnter={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragOver={(e) => {
          e.preventDefault();
          if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          const files = e.dataTransfer?.files;
          choose(files?.[0], Math.max(0, (files?.length ?? 0) - 1));
        }}
      >
        <p class="drop-words">
          Drop a CSV or XLSX file here, or choose one. The first row names the columns (Email, First Name,
          Company…).
        </p>
        <div class="field file-field">
          <label for="lead-file">Lead file (CSV or XLSX)</label>
          <input
            id="lead-file"
            ref={input}
            type="file"
            accept={ACCEPT}
            aria-describedby={fileProblem ? 'lead-file-problem' : undefined}
            onChange={(e) => {
              const files = (e.currentTarget as HTMLInputElement).files;
              choose(files?.[0]);
            }}
          />
        </div>
        {file ? (
          <p class="chosen" role="status">
            Chosen: <strong>{file.name}</strong> ({sizeWords(file.size)})
          </p>
        ) : null}
        {fileProblem ? (
          <p id="lead-file-problem" class="field-error" role="alert">
            {fileProblem}
          </p>
        ) : null}
      </section>

      <fieldset class="routing">
        <legend>Route the rows by</legend>
        {(
          [
            [
              'rules',
              'Routing rules',
              'Account ownership first, then the routing rules; a partner column is ignored.',
            ],
            [
              'column',
              'A partner column',
              'The partner named in each row (id or exact name), else the rules.',
            ],
            ['partner', 'One partner', 'Every row goes to the partner you choose.'],
          ] as const
        ).map(([value, label, hint]) => (
          <div class="check check-hint" key={value}>
            <input
              type="radio"
              id={`routing-${value}`}
              name="routing"
              value={value}
              checked={mode === value}
              aria-describedby={`routing-${value}-hint`}
              onChange={() => setMode(value)}
            />
            <label for={`routing-${value}`}>{label}</label>
            <small id={`routing-${value}-hint`} class="hint">
              {hint}
            </small>
          </div>
        ))}
        {mode === 'partner' ? (
          <Field label="Partner" errors={detailsAt(start.error, 'routing.partnerId')}>
            {(id, d) => (
              <select
                id={id}
                value={partnerId}
                required
                aria-describedby={d}
                onChange={(e) => setPartnerId((e.currentTarget as HTMLSelectElement).value)}
              >
                <option value="">{partners.loading ? 'Loading partners…' : 'Choose a partner'}</option>
                {(partners.data ?? []).map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                    {p.paused ? ' (paused)' : ''}
                    {p.disabled ? ' (disabled)' : ''}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : null}
        {mode === 'column' ? (
          <Field
            label="Partner column (optional)"
            hint="Its header, when it is not Partner, Partner Name, Partner ID or Assigned Partner."
            errors={detailsAt(start.error, 'routing.column')}
          >
            {(id, d) => (
              <input
                id={id}
                value={column}
                aria-describedby={d}
                onInput={(e) => setColumn((e.currentTarget as HTMLInputElement).value)}
              />
            )}
          </Field>
        ) : null}
        <ErrorNote error={partners.error} title="Could not load the partners." />
      </fieldset>

      {headers.length > 0 ? (
        <details class="mapping-editor">
          <summary>Column mapping (optional): {headers.length} columns</summary>
          <p class="muted">
            Columns are matched by name (E-mail, Email Address, First Name…); unknown columns become custom
            fields. Choose a field to override; the mapping is remembered for files with this header row.
          </p>
          <div class="table-wrap">
            <table class="grid">
              <caption class="sr-only">Column mapping</caption>
              <thead>
                <tr>
                  <th scope="col">Column in the file</th>
                  <th scope="col">Maps to</th>
                </tr>
              </thead>
              <tbody>
                {headers.map((header, i) => {
                  const problems = detailsAt(start.error, `mapping.${header}`);
                  return (
                    <tr key={header}>
                      <th scope="row" id={`map-h-${i}`}>
                        {header}
                      </th>
                      <td>
                        <select
                          aria-labelledby={`map-h-${i}`}
                          aria-describedby={problems.length ? `map-e-${i}` : undefined}
                          value={mapping[header] ?? ''}
                          onChange={(e) =>
                            setMapping({ ...mapping, [header]: (e.currentTarget as HTMLSelectElement).value })
                          }
                        >
                          <option value="">Automatic (by name)</option>
                          {TARGETS.map((t) => (
                            <option key={t} value={t}>
                              {FIELD_WORDS[t] ?? t}
                            </option>
                          ))}
                          <option value={`custom.${header}`}>Custom field “{header}”</option>
                          <option value="ignore">Ignore this column</option>
                        </select>
                        {problems.length ? (
                          <small id={`map-e-${i}`} class="field-error">
                            {problems.join('; ')}
                          </small>
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </details>
      ) : file && /\.xlsx$/i.test(file.name) ? (
        <p class="muted">
          The columns of an XLSX file are matched by name (or by the mapping remembered for its header row).
        </p>
      ) : null}

      <ErrorNote error={start.error} title="The upload did not start." />
      <button type="submit" class="primary" disabled={start.busy}>
        {start.busy ? 'Starting…' : 'Upload'}
      </button>
    </form>
  );
}

/** The file being sent (a real progress bar), then the upload's status and counts as ingest reads it. */
function UploadProgress({
  phase,
  onAgain,
  onCancel,
}: {
  phase: Exclude<Phase, { step: 'choose' }>;
  onAgain: () => void;
  onCancel: () => void;
}) {
  const { upload } = phase;
  const percent =
    phase.step === 'sending'
      ? phase.total > 0
        ? Math.min(100, Math.round((phase.loaded / phase.total) * 100))
        : 0
      : phase.step === 'watching'
        ? 100
        : 0;
  const status = phase.step === 'watching' ? phase.upload.status : undefined;
  return (
    <section class="panel upload-progress" aria-labelledby="progress-title">
      <h2 id="progress-title">
        {status && isFinal(status) ? 'Uploaded' : 'Uploading'} {upload.fileName}
      </h2>
      <div class="field">
        <label id="send-label" for="send-progress">
          {phase.step === 'sending'
            ? 'Sending the file'
            : phase.step === 'watching'
              ? 'File sent'
              : 'Not sent'}
          : <span class="percent">{percent}%</span>
        </label>
        <progress id="send-progress" max={100} value={percent} aria-labelledby="send-label">
          {percent}%
        </progress>
      </div>
      {phase.step === 'sending' ? (
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      ) : null}
      {phase.step === 'send-failed' ? <ErrorNote error={phase.error} title="The file was not sent." /> : null}
      {phase.step === 'watching' ? (
        <div role="status" aria-live="polite" class="live">
          <p>
            Status: <StatusBadge status={phase.upload.status} />{' '}
            {status && !isFinal(status) ? <span class="muted">(checking every second)</span> : null}
          </p>
          {phase.upload.failure ? (
            <p class="note note-error">
              {phase.upload.failure.message} <span class="code">({phase.upload.failure.code})</span>
            </p>
          ) : null}
        </div>
      ) : null}
      {phase.step === 'watching' ? <RowCounts rows={phase.upload.rows} /> : null}
      {phase.step === 'watching' && phase.errors.length > 0 ? (
        <>
          <h3>First row errors</h3>
          <ul class="first-errors">
            {phase.errors.map((e) => (
              <li key={`${e.row}:${e.column ?? ''}:${e.message}`}>
                Row {e.row}
                {e.column ? `, ${e.column}` : ''}: {e.message}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <p class="actions-row">
        <Link href={`/uploads/${upload.id}`}>The upload’s report</Link>
        {phase.step !== 'sending' ? (
          <button type="button" onClick={onAgain}>
            Upload another file
          </button>
        ) : null}
      </p>
    </section>
  );
}

function sizeWords(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
}
