import { useRef, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { createWebhook, type EventType, listWebhooks, type Webhook } from '../../data/webhooks';
import { useTenant } from '../../tenant';
import { useAction, useLoad } from '../../ui/data';
import { detailsAt, ErrorNote, Outcome } from '../../ui/errors';
import { Field, PageTitle } from '../../ui/form';
import { when } from '../../ui/format';
import { OnceSecret } from '../../ui/once-secret';
import { Pager, usePager } from '../../ui/pager';
import { type ColumnDef, DataTable } from '../../ui/table';
import { EventsField, focusFirstInvalid, hearsAll, VerifySnippet, WebhookStatus } from './webhook-parts';

/** What a webhook's screen leaves for the list when it deletes the webhook (history.state). */
export interface DeletedState {
  deletedWebhook?: string;
}

const columns: ColumnDef<Webhook, unknown>[] = [
  {
    id: 'url',
    header: 'URL',
    cell: ({ row }) => (
      <>
        <Link href={`/webhooks/${row.original.id}`} class="webhook-url">
          {row.original.url}
        </Link>
        {row.original.description ? <span class="muted events">{row.original.description}</span> : null}
      </>
    ),
  },
  {
    id: 'events',
    header: 'Events',
    cell: ({ row }) => (
      <span class="events">
        {hearsAll(row.original.events) ? 'All events' : row.original.events.join(', ')}
      </span>
    ),
  },
  { id: 'status', header: 'Status', cell: ({ row }) => <WebhookStatus webhook={row.original} /> },
  { id: 'created', header: 'Created', cell: ({ row }) => when(row.original.createdAt) },
];

/**
 * The supplier's or partner's webhooks: the URLs Lead Relay POSTs lead events to, each
 * with its state (a failing one stands out), and a new one, whose signing secret is shown once.
 */
export default function Webhooks() {
  const { tenant } = useTenant();
  const pager = usePager('webhooks');
  const list = useLoad(() => listWebhooks(pager.cursor), [pager.cursor]);
  // Arrived here from a webhook just deleted: say so (the address bar's history entry carries it).
  const [deleted] = useState(() => (history.state as DeletedState | null)?.deletedWebhook);

  if (tenant.role !== 'admin') {
    return (
      <>
        <PageTitle>Webhooks</PageTitle>
        <p>
          Only an admin of {tenant.kind === 'supplier' ? 'the supplier' : 'the partner'} sees and manages
          webhooks: they carry lead data to other systems, signed with a secret.
        </p>
      </>
    );
  }
  return (
    <>
      <PageTitle>Webhooks</PageTitle>
      <p class="muted">
        Lead Relay POSTs each lead event you choose to your URL, signed, at least once and in order per lead;
        a failed delivery is retried with backoff.
        {tenant.kind === 'partner'
          ? ' A partner’s deliveries carry only what the partner sees of a lead.'
          : ''}
      </p>
      <Outcome message={deleted ? `Deleted the webhook to ${deleted}.` : undefined} />
      <NewWebhook onCreated={list.reload} />
      <ErrorNote error={list.error} title="Could not load the webhooks." />
      {list.data?.items.length ? (
        <DataTable caption="Webhooks" data={list.data.items} columns={columns} rowId={(w) => w.id} />
      ) : (
        <p class="muted">{list.loading ? 'Loading…' : 'No webhooks yet: add the first with New webhook.'}</p>
      )}
      <Pager
        pager={pager}
        nextCursor={list.data?.nextCursor}
        count={list.data?.items.length ?? 0}
        label="Webhook pages"
      />
    </>
  );
}

function NewWebhook({ onCreated }: { onCreated: () => void }) {
  const [open, setOpen] = useState(false);
  const [events, setEvents] = useState<EventType[]>([]);
  const [created, setCreated] = useState<{ webhook: Webhook; secret: string } | undefined>(undefined);
  const create = useAction();
  const form = useRef<HTMLFormElement>(null);
  const opener = useRef<HTMLButtonElement>(null);

  if (created) {
    return (
      <section class="panel" aria-labelledby="created-title">
        <h2 id="created-title" tabIndex={-1}>
          Created the webhook to <span class="webhook-url">{created.webhook.url}</span>
        </h2>
        <OnceSecret
          label="Signing secret"
          secret={created.secret}
          onDone={() => {
            setCreated(undefined);
            create.clear();
            requestAnimationFrame(() => opener.current?.focus());
          }}
        >
          Lead Relay cannot show it again: if it is lost, rotate the secret on the webhook’s page.
        </OnceSecret>
        <VerifySnippet />
        <p class="actions-row">
          <Link href={`/webhooks/${created.webhook.id}`}>Open the webhook</Link>
          <button
            type="button"
            onClick={() => {
              setCreated(undefined);
              setEvents([]);
              create.clear();
              setOpen(true);
              requestAnimationFrame(() => form.current?.querySelector<HTMLElement>('input')?.focus());
            }}
          >
            Another webhook
          </button>
        </p>
      </section>
    );
  }

  if (!open) {
    return (
      <p>
        <button
          type="button"
          class="primary"
          ref={opener}
          onClick={() => {
            setOpen(true);
            requestAnimationFrame(() => form.current?.querySelector<HTMLElement>('input')?.focus());
          }}
        >
          New webhook
        </button>
      </p>
    );
  }
  return (
    <form
      ref={form}
      class="panel webhook-form"
      aria-labelledby="new-webhook-title"
      onSubmit={(e) => {
        e.preventDefault();
        const data = new FormData(e.currentTarget as HTMLFormElement);
        const url = String(data.get('url') ?? '').trim();
        const description = String(data.get('description') ?? '').trim();
        void create
          .run(() => createWebhook({ url, events, ...(description ? { description } : {}) }))
          .then((r) => {
            if (!r) return focusFirstInvalid(form.current);
            setCreated(r);
            setOpen(false);
            onCreated();
            requestAnimationFrame(() => document.getElementById('created-title')?.focus());
          });
      }}
    >
      <h2 id="new-webhook-title">New webhook</h2>
      <Field
        label="URL"
        hint="An https address of yours that answers a POST with 2xx."
        errors={detailsAt(create.error, 'url')}
      >
        {(id, d) => (
          <input id={id} name="url" type="url" required placeholder="https://" aria-describedby={d} />
        )}
      </Field>
      <EventsField value={events} onChange={setEvents} errors={detailsAt(create.error, 'events')} />
      <Field
        label="Description (optional)"
        hint="What receives it, for whoever reads this list next."
        errors={detailsAt(create.error, 'description')}
      >
        {(id, d) => <input id={id} name="description" aria-describedby={d} />}
      </Field>
      <ErrorNote error={create.error} title="The webhook was not created." />
      <p class="actions-row">
        <button type="submit" class="primary" disabled={create.busy}>
          {create.busy ? 'Creating…' : 'Create webhook'}
        </button>
        <button
          type="button"
          onClick={() => {
            setOpen(false);
            create.clear();
            requestAnimationFrame(() => opener.current?.focus());
          }}
        >
          Cancel
        </button>
      </p>
    </form>
  );
}
