import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api, ok, type Schemas } from '../../api/client';
import { useAction, useLoad } from '../../ui/data';
import { ErrorNote } from '../../ui/errors';
import { PageTitle } from '../../ui/form';
import { OnceSecret } from '../../ui/once-secret';
import { Pager, usePager } from '../../ui/pager';
import { type ColumnDef, DataTable } from '../../ui/table';
import { bodyOf, emptyDraft, type PartnerDraft, PartnerFields, warningsByEmail } from './partner-form';
import './intake.css';

type Partner = Schemas['Partner'];

/** The partner's state in words (paused, disabled, active): badges that say it, not colours alone. */
export function PartnerState({ partner }: { partner: Pick<Partner, 'paused' | 'disabled'> }) {
  if (partner.disabled) return <span class="badge badge-bad">Disabled</span>;
  if (partner.paused) return <span class="badge badge-warn">Paused</span>;
  return <span class="badge badge-ok">Active</span>;
}

const columns: ColumnDef<Partner, unknown>[] = [
  {
    id: 'name',
    header: 'Partner',
    cell: ({ row }) => <Link href={`/partners/${row.original.id}`}>{row.original.name}</Link>,
  },
  { id: 'state', header: 'State', cell: ({ row }) => <PartnerState partner={row.original} /> },
  { id: 'groups', header: 'Groups', cell: ({ row }) => row.original.groups.join(', ') },
  { id: 'auto', header: 'Auto-accept', cell: ({ row }) => (row.original.autoAccept ? 'Yes' : 'No') },
  {
    id: 'capacity',
    header: 'Capacity',
    cell: ({ row }) => (row.original.capacity === null ? 'No limit' : row.original.capacity),
  },
  { id: 'weight', header: 'Weight', cell: ({ row }) => row.original.weight },
  {
    id: 'owners',
    header: 'Lead owners',
    cell: ({ row }) => (
      <span class="wrap">{row.original.leadOwners.map((o) => o.email).join(', ') || 'None'}</span>
    ),
  },
];

/** Partners: the list (paged), and adding one (its API key shown once). */
export default function Partners() {
  const pager = usePager('partners');
  const list = useLoad(
    () =>
      ok(
        api.GET('/v1/partners', {
          params: { query: { limit: 50, ...(pager.cursor ? { cursor: pager.cursor } : {}) } },
        }),
      ),
    [pager.cursor],
  );
  return (
    <>
      <PageTitle>Partners</PageTitle>
      <AddPartner onAdded={list.reload} />
      <ErrorNote error={list.error} title="Could not load the partners." />
      {list.data?.items.length ? (
        <DataTable caption="Partners" data={list.data.items} columns={columns} rowId={(p) => p.id} />
      ) : (
        <p class="muted">{list.loading ? 'Loading…' : 'No partners yet: add the first above.'}</p>
      )}
      <Pager
        pager={pager}
        nextCursor={list.data?.nextCursor}
        count={list.data?.items.length ?? 0}
        label="Partner pages"
      />
    </>
  );
}

function AddPartner({ onAdded }: { onAdded: () => void }) {
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState<PartnerDraft>(emptyDraft);
  const [sentRows, setSentRows] = useState<number[]>([]);
  const [created, setCreated] = useState<
    { partner: Partner; apiKey: string; warnings: { path: string; message: string }[] } | undefined
  >(undefined);
  const add = useAction();

  if (created) {
    const warnings = warningsByEmail(created.partner.leadOwners, created.warnings);
    return (
      <section class="panel" aria-labelledby="added-title">
        <h2 id="added-title" tabIndex={-1}>
          Added {created.partner.name}
        </h2>
        <OnceSecret label={`API key of ${created.partner.name}`} secret={created.apiKey} />
        {warnings.size > 0 ? (
          <div class="note note-warn" role="status">
            <p>
              <strong>Added, with a warning:</strong>
            </p>
            <ul>
              {[...warnings].map(([email, message]) => (
                <li key={email}>{message}. A person’s own address is safer.</li>
              ))}
            </ul>
          </div>
        ) : null}
        <p class="actions-row">
          <Link href={`/partners/${created.partner.id}`}>Open {created.partner.name}</Link>
          <button
            type="button"
            onClick={() => {
              setCreated(undefined);
              setDraft(emptyDraft());
              add.clear();
            }}
          >
            Add another partner
          </button>
        </p>
      </section>
    );
  }

  if (!open) {
    return (
      <p>
        <button type="button" class="primary" onClick={() => setOpen(true)}>
          Add a partner
        </button>
      </p>
    );
  }
  return (
    <form
      class="panel intake-form"
      aria-labelledby="add-partner-title"
      onSubmit={(e) => {
        e.preventDefault();
        const { body, sentRows } = bodyOf(draft);
        setSentRows(sentRows);
        // salesReps: the partner manages them itself (none yet).
        void add
          .run(() => ok(api.POST('/v1/partners', { body: { ...body, salesReps: [] } })))
          .then((r) => {
            if (r) {
              setCreated(r);
              setOpen(false);
              onAdded();
              requestAnimationFrame(() => document.getElementById('added-title')?.focus());
            }
          });
      }}
    >
      <h2 id="add-partner-title">Add a partner</h2>
      <PartnerFields
        draft={draft}
        onChange={setDraft}
        error={add.error}
        sentRows={sentRows}
        warnings={new Map()}
        idPrefix="new-partner"
      />
      <ErrorNote error={add.error} title="The partner was not added." />
      <p class="actions-row">
        <button type="submit" class="primary" disabled={add.busy}>
          {add.busy ? 'Adding…' : 'Add the partner'}
        </button>
        <button type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </p>
    </form>
  );
}
