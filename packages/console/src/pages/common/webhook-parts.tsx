import { useEffect, useId, useRef } from 'preact/hooks';
import {
  type AttemptResult,
  type Delivery,
  EVENT_TYPES,
  EVENT_WORDS,
  type EventType,
  type Webhook,
} from '../../data/webhooks';
import { when } from '../../ui/format';
import './webhooks.css';

/** Whether a webhook hears every event (then the list says so in two words). */
export const hearsAll = (events: readonly EventType[]) => EVENT_TYPES.every((e) => events.includes(e));

/** A webhook's state; a failing one says since when, so it cannot be missed in a list. */
export function WebhookStatus({ webhook }: { webhook: Webhook }) {
  if (webhook.status === 'disabled') return <span class="badge">Disabled</span>;
  if (webhook.status === 'failing') {
    return (
      <span class="badge badge-bad">
        Failing{webhook.failingSince ? ` since ${when(webhook.failingSince)}` : ''}
      </span>
    );
  }
  return <span class="badge badge-ok">Active</span>;
}

const DELIVERY_BADGE: Record<Delivery['status'], string> = {
  queued: 'badge-info',
  sending: 'badge-info',
  retrying: 'badge-warn',
  delivered: 'badge-ok',
  failed: 'badge-bad',
};
const DELIVERY_WORDS: Record<Delivery['status'], string> = {
  queued: 'Queued',
  sending: 'Sending',
  retrying: 'Retrying',
  delivered: 'Delivered',
  failed: 'Failed',
};

export function DeliveryStatus({ status }: { status: Delivery['status'] }) {
  return <span class={`badge ${DELIVERY_BADGE[status] ?? ''}`}>{DELIVERY_WORDS[status] ?? status}</span>;
}

/**
 * The events to subscribe: one checkbox each (with what it means), and "All events" above them
 * (mixed when only some are ticked). The API's words about `events` show under the group.
 */
export function EventsField(props: {
  value: EventType[];
  onChange: (events: EventType[]) => void;
  errors: string[];
}) {
  const all = useRef<HTMLInputElement>(null);
  const errorId = useId();
  const chosen = EVENT_TYPES.filter((e) => props.value.includes(e));
  const some = chosen.length > 0 && chosen.length < EVENT_TYPES.length;
  useEffect(() => {
    if (all.current) all.current.indeterminate = some;
  }, [some]);
  const invalid = props.errors.length > 0;
  return (
    <fieldset
      class={`events-field${invalid ? ' field-invalid' : ''}`}
      aria-describedby={invalid ? errorId : undefined}
    >
      <legend>Events</legend>
      <label class="check all-events">
        <input
          type="checkbox"
          name="all-events"
          ref={all}
          checked={chosen.length === EVENT_TYPES.length}
          onChange={(e) =>
            props.onChange((e.currentTarget as HTMLInputElement).checked ? [...EVENT_TYPES] : [])
          }
        />
        All events
      </label>
      <ul class="event-list">
        {EVENT_TYPES.map((event) => (
          <li key={event}>
            <label class="check">
              <input
                type="checkbox"
                name="events"
                value={event}
                checked={props.value.includes(event)}
                onChange={(e) => {
                  const on = (e.currentTarget as HTMLInputElement).checked;
                  const next = new Set(props.value);
                  if (on) next.add(event);
                  else next.delete(event);
                  // In the API's order, whatever order they were ticked in.
                  props.onChange(EVENT_TYPES.filter((t) => next.has(t)));
                }}
              />
              <span>
                <code>{event}</code> <span class="muted">{EVENT_WORDS[event]}</span>
              </span>
            </label>
          </li>
        ))}
      </ul>
      {invalid ? (
        <small id={errorId} class="field-error">
          {props.errors.join('; ')}
        </small>
      ) : null}
    </fieldset>
  );
}

/** After a refused form: focus the first control the API named, so the person lands on what to fix. */
export function focusFirstInvalid(form: HTMLFormElement | null) {
  requestAnimationFrame(() =>
    form
      ?.querySelector<HTMLElement>('.field-invalid input, .field-invalid select, .field-invalid textarea')
      ?.focus(),
  );
}

/** The few lines a receiver needs to check a delivery, with the secret left as a placeholder. */
export function VerifySnippet() {
  return (
    <section class="verify" aria-labelledby="verify-title">
      <h3 id="verify-title">Verify it</h3>
      <p>
        Each delivery is signed as the Standard Webhooks spec says (headers <code>webhook-id</code>,{' '}
        <code>webhook-timestamp</code>, <code>webhook-signature</code>). With the{' '}
        <code>standardwebhooks</code> package, on the raw body before any JSON parsing:
      </p>
      <pre>
        <code>{`import { Webhook } from 'standardwebhooks';

const wh = new Webhook(process.env.LEAD_RELAY_WEBHOOK_SECRET); // 'whsec_…'
// Throws when the signature or the timestamp is wrong.
const event = wh.verify(rawBody, {
  'webhook-id': req.headers['webhook-id'],
  'webhook-timestamp': req.headers['webhook-timestamp'],
  'webhook-signature': req.headers['webhook-signature'],
});`}</code>
      </pre>
      <p class="muted">
        Answer 2xx quickly; anything else is retried with backoff. The same event may arrive twice: the{' '}
        <code>webhook-id</code> header tells repeats apart.
      </p>
    </section>
  );
}

/** "200 in 84 ms", "no answer (connection refused) after 3001 ms": an attempt in a few words. */
export function attemptWords(attempt: AttemptResult['attempt']): string {
  if (!attempt) return 'no attempt recorded';
  const answer =
    attempt.responseStatus !== undefined
      ? `HTTP ${attempt.responseStatus}`
      : `no answer${attempt.error ? ` (${attempt.error})` : ''}`;
  return `${answer} in ${attempt.durationMs} ms`;
}

/**
 * The result of an attempt made now (a test event, a redelivery), in a live region: the
 * outcome, the response code, the time it took, and what the receiver answered.
 */
export function AttemptOutcome(props: { label: string; result: AttemptResult | undefined }) {
  const { result } = props;
  return (
    <div class="attempt-outcome" role="status">
      {result ? (
        <div class={`note ${result.delivered ? 'note-ok' : 'note-error'}`}>
          <p>
            <strong>
              {props.label} {result.delivered ? 'delivered' : 'failed'}:
            </strong>{' '}
            {attemptWords(result.attempt)}.
          </p>
          {result.attempt ? (
            <dl class="fields">
              <dt>Response code</dt>
              <dd>{result.attempt.responseStatus ?? 'none'}</dd>
              <dt>Duration</dt>
              <dd>{result.attempt.durationMs} ms</dd>
              <dt>At</dt>
              <dd>{when(result.attempt.at)}</dd>
              {result.attempt.error ? (
                <>
                  <dt>Error</dt>
                  <dd>{result.attempt.error}</dd>
                </>
              ) : null}
              {result.attempt.responseExcerpt ? (
                <>
                  <dt>Response</dt>
                  <dd>
                    <code class="excerpt">{result.attempt.responseExcerpt}</code>
                  </dd>
                </>
              ) : null}
            </dl>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
