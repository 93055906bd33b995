import { useEffect, useRef, useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import {
  type AttemptResult,
  type Delivery,
  deleteWebhook,
  type EventType,
  getWebhook,
  listDeliveries,
  patchWebhook,
  redeliver,
  rotateSecret,
  sendTestEvent,
  type Webhook,
  type WebhookPatch,
} from '../../data/webhooks';
import { useTenant } from '../../tenant';
import { useAction, useLoad } from '../../ui/data';
import { detailsAt, ErrorNote, Outcome } from '../../ui/errors';
import { Field, PageTitle } from '../../ui/form';
import { when } from '../../ui/format';
import { OnceSecret } from '../../ui/once-secret';
import { Pager, usePager } from '../../ui/pager';
import { type ColumnDef, DataTable } from '../../ui/table';
import {
  AttemptOutcome,
  DeliveryStatus,
  EventsField,
  focusFirstInvalid,
  VerifySnippet,
  WebhookStatus,
} from './webhook-parts';
import type { DeletedState } from './webhooks';

/** How long the old secret keeps signing after a rotation: time for the receiver to switch. */
const OVERLAPS = [
  // A leaked secret: the old one stops signing at once.
  { minutes: 0, words: 'no time (stop it now)' },
  { minutes: 60, words: '1 hour' },
  { minutes: 1440, words: '24 hours' },
  { minutes: 4320, words: '3 days' },
  { minutes: 10080, words: '7 days' },
] as const;
const DEFAULT_OVERLAP = 1440;

/** Deliveries still on their way: the log looks again while the first page shows one. */
const IN_FLIGHT: ReadonlySet<Delivery['status']> = new Set(['queued', 'sending', 'retrying']);
const LOG_REFRESH_MS = 5000;

const FIELD_WORDS: Record<string, string> = { url: 'URL', events: 'events', description: 'description' };

/**
 * One webhook: its settings (URL, events, description), deliveries on or off, a test event
 * with what the receiver answered, a new signing secret (the old one signs on for a while),
 * the delivery log with a redelivery per row, and deleting it.
 */
export default function WebhookPage(props: { params: { id: string } }) {
  const id = props.params.id;
  const { tenant } = useTenant();
  const loaded = useLoad(() => getWebhook(id), [id]);
  const webhook = loaded.data?.webhook;
  const save = useAction();
  const toggle = useAction();
  const remove = useAction();
  const [, navigate] = useLocation();
  // Each new delivery (a test, a redelivery) shows in the log at once.
  const [logTick, setLogTick] = useState(0);

  if (tenant.role !== 'admin') {
    return (
      <>
        <PageTitle>Webhook</PageTitle>
        <p>
          Only an admin of {tenant.kind === 'supplier' ? 'the supplier' : 'the partner'} sees and manages
          webhooks.
        </p>
      </>
    );
  }
  if (!webhook) {
    return (
      <>
        <PageTitle>Webhook</PageTitle>
        <ErrorNote error={loaded.error} title="Could not load the webhook." />
        {loaded.error ? <Link href="/webhooks">All webhooks</Link> : <p class="loading">Loading…</p>}
      </>
    );
  }
  const disabled = webhook.status === 'disabled';
  return (
    <>
      <PageTitle actions={<Link href="/webhooks">All webhooks</Link>}>
        <span class="webhook-url">{webhook.url}</span> <WebhookStatus webhook={webhook} />
      </PageTitle>
      <p class="muted">
        {webhook.description ? `${webhook.description} · ` : ''}Created {when(webhook.createdAt)} · changed{' '}
        {when(webhook.updatedAt)} · id <code>{webhook.id}</code>
      </p>
      {webhook.status === 'failing' ? (
        <div class="note note-error failing-note">
          <p>
            <strong>Failing{webhook.failingSince ? ` since ${when(webhook.failingSince)}` : ''}.</strong> The
            receiver has not answered 2xx. The delivery log below shows what it answered; once it is fixed,
            send a test event, then redeliver what failed.
          </p>
        </div>
      ) : null}

      <EditWebhook
        // A saved change starts the form again from what the API answered.
        key={webhook.updatedAt}
        webhook={webhook}
        save={save}
        onSaved={loaded.reload}
      />

      <section class="panel" aria-labelledby="deliveries-onoff-title">
        <h2 id="deliveries-onoff-title">Deliveries</h2>
        <p>
          {disabled
            ? 'Disabled: no events are sent to this URL. Enable it to send the events that happen from then on.'
            : 'Enabled: the chosen events are sent as they happen. Disabling stops sending at once; the webhook and its log are kept.'}
        </p>
        <ErrorNote error={toggle.error} title={disabled ? 'Not enabled.' : 'Not disabled.'} />
        <Outcome message={toggle.outcome} />
        <button
          type="button"
          class={disabled ? 'primary' : 'danger'}
          disabled={toggle.busy}
          onClick={() => {
            if (
              !disabled &&
              !confirm(`Disable the webhook to ${webhook.url}? No events are sent until you enable it.`)
            )
              return;
            void toggle
              .run(
                () => patchWebhook(id, { disabled: !disabled }),
                disabled ? 'Enabled the webhook.' : 'Disabled the webhook.',
              )
              .then((r) => r && loaded.reload());
          }}
        >
          {disabled ? 'Enable the webhook' : 'Disable the webhook'}
        </button>
      </section>

      <TestEvent id={id} onSent={() => setLogTick((t) => t + 1)} />
      <RotateSecret webhook={webhook} onRotated={loaded.reload} />
      <DeliveryLog webhookId={id} tick={logTick} onRedelivered={() => setLogTick((t) => t + 1)} />

      <section class="panel" aria-labelledby="delete-title">
        <h2 id="delete-title">Delete</h2>
        <p>Deleting stops every delivery to this URL, queued ones included. It cannot be undone.</p>
        <ErrorNote error={remove.error} title="Not deleted." />
        <button
          type="button"
          class="danger"
          disabled={remove.busy}
          onClick={() => {
            if (!confirm(`Delete the webhook to ${webhook.url}? Nothing more is sent to it.`)) return;
            void remove
              .run(async () => {
                await deleteWebhook(id);
                return true;
              })
              .then((done) => {
                if (!done) return;
                const state: DeletedState = { deletedWebhook: webhook.url };
                navigate('/webhooks', { state });
              });
          }}
        >
          Delete the webhook
        </button>
      </section>
    </>
  );
}

/** The fields of the form that differ from the webhook (a PATCH names only what changed). */
function changes(
  before: Webhook,
  next: { url: string; events: EventType[]; description: string },
): WebhookPatch {
  const patch: WebhookPatch = {};
  if (next.url !== before.url) patch.url = next.url;
  if (next.events.join() !== before.events.join()) patch.events = next.events;
  if (next.description !== (before.description ?? '')) patch.description = next.description;
  return patch;
}

function EditWebhook(props: { webhook: Webhook; save: ReturnType<typeof useAction>; onSaved: () => void }) {
  const { webhook, save } = props;
  const [events, setEvents] = useState<EventType[]>(webhook.events);
  const form = useRef<HTMLFormElement>(null);
  return (
    <form
      ref={form}
      class="panel webhook-form"
      aria-labelledby="settings-title"
      onSubmit={(e) => {
        e.preventDefault();
        const data = new FormData(e.currentTarget as HTMLFormElement);
        const patch = changes(webhook, {
          url: String(data.get('url') ?? '').trim(),
          events,
          description: String(data.get('description') ?? '').trim(),
        });
        if (Object.keys(patch).length === 0) {
          void save.run(async () => undefined, 'Nothing to save: no field changed.');
          return;
        }
        void save
          .run(
            () => patchWebhook(webhook.id, patch),
            `Saved: ${Object.keys(patch)
              .map((k) => FIELD_WORDS[k] ?? k)
              .join(', ')}.`,
          )
          .then((r) => (r ? props.onSaved() : focusFirstInvalid(form.current)));
      }}
    >
      <h2 id="settings-title">Settings</h2>
      <Field label="URL" errors={detailsAt(save.error, 'url')}>
        {(id, d) => (
          <input id={id} name="url" type="url" required defaultValue={webhook.url} aria-describedby={d} />
        )}
      </Field>
      <EventsField value={events} onChange={setEvents} errors={detailsAt(save.error, 'events')} />
      <Field label="Description (optional)" errors={detailsAt(save.error, 'description')}>
        {(id, d) => (
          <input id={id} name="description" defaultValue={webhook.description ?? ''} aria-describedby={d} />
        )}
      </Field>
      <ErrorNote error={save.error} title="Not saved." />
      <Outcome message={save.outcome} />
      <p class="actions-row">
        <button type="submit" class="primary" disabled={save.busy}>
          {save.busy ? 'Saving…' : 'Save changes'}
        </button>
      </p>
    </form>
  );
}

function TestEvent(props: { id: string; onSent: () => void }) {
  const send = useAction();
  const [result, setResult] = useState<AttemptResult | undefined>(undefined);
  return (
    <section class="panel" aria-labelledby="test-title">
      <h2 id="test-title">Test event</h2>
      <p>Sends one signed test event to the URL now and shows what the receiver answered.</p>
      <button
        type="button"
        disabled={send.busy}
        onClick={() => {
          setResult(undefined);
          void send
            .run(() => sendTestEvent(props.id))
            .then((r) => {
              if (!r) return;
              setResult(r);
              props.onSent();
            });
        }}
      >
        {send.busy ? 'Sending…' : 'Send test event'}
      </button>
      <ErrorNote error={send.error} title="No test event was sent." />
      <AttemptOutcome label="Test event" result={result} />
    </section>
  );
}

function RotateSecret(props: { webhook: Webhook; onRotated: () => void }) {
  const { webhook } = props;
  const rotate = useAction();
  const [overlap, setOverlap] = useState<number>(DEFAULT_OVERLAP);
  const [fresh, setFresh] = useState<{ webhook: Webhook; secret: string } | undefined>(undefined);
  const overlapWords = OVERLAPS.find((o) => o.minutes === overlap)?.words ?? `${overlap} minutes`;
  const oldUntil = fresh?.webhook.previousSecretExpiresAt ?? webhook.previousSecretExpiresAt;
  const stillSigning = oldUntil && new Date(oldUntil).getTime() > Date.now();
  return (
    <section class="panel" aria-labelledby="secret-title">
      <h2 id="secret-title">Signing secret</h2>
      <p>
        {webhook.secretRotatedAt ? `Last rotated ${when(webhook.secretRotatedAt)}.` : 'Never rotated.'}
        {stillSigning && !fresh ? ` The previous secret still signs until ${when(oldUntil)}.` : ''}
      </p>
      {fresh ? (
        <div>
          <h3 id="new-secret-title" tabIndex={-1}>
            New signing secret
          </h3>
          <OnceSecret label="New signing secret" secret={fresh.secret} onDone={() => setFresh(undefined)}>
            {fresh.webhook.previousSecretExpiresAt
              ? `The old secret still signs every delivery until ${when(fresh.webhook.previousSecretExpiresAt)}: switch the receiver to this one before then.`
              : 'The old secret no longer signs: switch the receiver to this one now.'}
          </OnceSecret>
        </div>
      ) : (
        <div class="row">
          <Field
            label="Keep the old secret signing for"
            hint="Both secrets sign each delivery meanwhile."
            errors={detailsAt(rotate.error, 'overlapMinutes')}
          >
            {(id, d) => (
              <select
                id={id}
                value={String(overlap)}
                aria-describedby={d}
                onChange={(e) => setOverlap(Number((e.currentTarget as HTMLSelectElement).value))}
              >
                {OVERLAPS.map((o) => (
                  <option key={o.minutes} value={String(o.minutes)}>
                    {o.words}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <div class="field">
            <button
              type="button"
              disabled={rotate.busy}
              onClick={() => {
                if (
                  !confirm(
                    `Rotate the signing secret? The new one is shown once; ${overlap === 0 ? 'the old one stops signing now' : `the old one keeps signing for ${overlapWords}`}.`,
                  )
                )
                  return;
                void rotate
                  .run(() => rotateSecret(webhook.id, overlap))
                  .then((r) => {
                    if (!r) return;
                    setFresh(r);
                    props.onRotated();
                    requestAnimationFrame(() => document.getElementById('new-secret-title')?.focus());
                  });
              }}
            >
              Rotate secret
            </button>
          </div>
        </div>
      )}
      <ErrorNote error={rotate.error} title="The secret was not rotated." />
      <details>
        <summary>Verify it</summary>
        <VerifySnippet />
      </details>
    </section>
  );
}

function DeliveryLog(props: { webhookId: string; tick: number; onRedelivered: () => void }) {
  const { tenant } = useTenant();
  // A delivery made here (a test, a redelivery) is newest: the log goes back to its first page.
  const pager = usePager(`deliveries:${props.webhookId}:${props.tick}`);
  const log = useLoad(
    () => listDeliveries(props.webhookId, pager.cursor),
    [props.webhookId, pager.cursor, props.tick],
  );
  const again = useAction();
  const [result, setResult] = useState<{ label: string; result: AttemptResult } | undefined>(undefined);
  const items = log.data?.items ?? [];
  const moving = pager.page === 1 && items.some((d) => IN_FLIGHT.has(d.status));
  useEffect(() => {
    if (!moving || log.loading) return;
    const timer = setTimeout(log.reload, LOG_REFRESH_MS);
    return () => clearTimeout(timer);
  }, [moving, log.loading, log.reload]);

  const leadHref = (leadId: string) =>
    tenant.kind === 'supplier' ? `/leads/${leadId}` : `/my-leads/${leadId}`;
  const columns: ColumnDef<Delivery, unknown>[] = [
    { id: 'event', header: 'Event', cell: ({ row }) => <code>{row.original.eventType}</code> },
    {
      id: 'lead',
      header: 'Lead',
      cell: ({ row }) =>
        row.original.leadId ? (
          <Link href={leadHref(row.original.leadId)} aria-label={`Lead ${row.original.leadId}`}>
            {row.original.leadId}
          </Link>
        ) : (
          <span class="muted">none</span>
        ),
    },
    { id: 'status', header: 'Status', cell: ({ row }) => <DeliveryStatus status={row.original.status} /> },
    { id: 'attempts', header: 'Attempts', cell: ({ row }) => row.original.attempts },
    {
      id: 'response',
      header: 'Response',
      cell: ({ row }) => {
        const last = row.original.lastAttempt;
        if (!last) return <span class="muted">not yet</span>;
        return last.responseStatus !== undefined ? (
          String(last.responseStatus)
        ) : (
          <span class="muted">{last.error ?? 'no answer'}</span>
        );
      },
    },
    {
      id: 'duration',
      header: 'Duration',
      cell: ({ row }) => (row.original.lastAttempt ? `${row.original.lastAttempt.durationMs} ms` : ''),
    },
    { id: 'next', header: 'Next attempt', cell: ({ row }) => when(row.original.nextAttemptAt) },
    { id: 'time', header: 'Time', cell: ({ row }) => when(row.original.createdAt) },
    {
      id: 'actions',
      header: () => <span class="sr-only">Actions</span>,
      cell: ({ row }) => {
        const d = row.original;
        return (
          <button
            type="button"
            // Any status: a delivery stuck queued or sending (its sender gone) is taken up by hand too.
            disabled={again.busy}
            aria-label={`Redeliver ${d.eventType} of ${when(d.createdAt)}`}
            onClick={() => {
              setResult(undefined);
              void again
                .run(() => redeliver(props.webhookId, d.id))
                .then((r) => {
                  if (!r) return;
                  setResult({ label: `Redelivery of ${d.eventType}`, result: r });
                  props.onRedelivered();
                });
            }}
          >
            Redeliver
          </button>
        );
      },
    },
  ];

  return (
    <section aria-labelledby="log-title" class="delivery-log">
      <div class="log-title">
        <h2 id="log-title">Delivery log</h2>
        <button type="button" onClick={log.reload} disabled={log.loading}>
          {log.loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      <p class="muted">Newest first. Each event is one delivery; its attempts and last answer are kept.</p>
      <ErrorNote error={log.error} title="Could not load the delivery log." />
      <ErrorNote error={again.error} title="Not redelivered." />
      <AttemptOutcome label={result?.label ?? 'Redelivery'} result={result?.result} />
      <DataTable
        caption="Delivery log"
        data={items}
        columns={columns}
        rowId={(d) => d.id}
        empty={
          log.loading && !log.data
            ? 'Loading…'
            : 'No deliveries yet: they show here once events happen (Refresh to look again).'
        }
      />
      <Pager
        pager={pager}
        nextCursor={log.data?.nextCursor}
        count={items.length}
        label="Delivery log pages"
      />
    </section>
  );
}
