import { z } from 'zod';

/** What a subscription can ask to be told about a lead (one per kind of change). */
export const WEBHOOK_EVENT_TYPES = [
  'lead.created',
  'lead.routed',
  'lead.notified',
  'lead.email_status_changed',
  'lead.accepted',
  'lead.rejected',
  'lead.rerouted',
  'lead.unassigned',
  'lead.pipeline_changed',
  'lead.registered',
] as const;
export const WebhookEventType = z.enum(WEBHOOK_EVENT_TYPES);
export type WebhookEventType = z.output<typeof WebhookEventType>;

/** The event `POST /v1/webhooks/{id}/test` sends: no lead, only proof that the URL and the secret work. */
export const TEST_EVENT_TYPE = 'webhook.test';

/** Most subscriptions one tenant (a supplier, or one partner at that supplier) may have. */
export const MAX_WEBHOOKS_PER_TENANT = 20;
export const MAX_WEBHOOK_URL_LENGTH = 2000;
export const MAX_WEBHOOK_DESCRIPTION_LENGTH = 200;
/** How long the secret a rotation replaced keeps signing, by default (a day), and at most (a week). */
export const DEFAULT_ROTATION_OVERLAP_MINUTES = 1440;
export const MAX_ROTATION_OVERLAP_MINUTES = 10_080;

/**
 * A subscription's URL: http or https, with no user name or password in it (a
 * receiver's credentials would be shown in every list and log of it).
 */
export const WebhookUrl = z
  .string()
  .trim()
  .max(MAX_WEBHOOK_URL_LENGTH, `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`)
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute http(s) URL' });
      return;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      ctx.addIssue({ code: 'custom', message: 'must be an http or https URL' });
    } else if (url.username !== '' || url.password !== '') {
      ctx.addIssue({ code: 'custom', message: 'must not hold a user name or password' });
    } else if (url.hostname === '') {
      ctx.addIssue({ code: 'custom', message: 'must name a host' });
    }
  });

const Events = z
  .array(WebhookEventType)
  .min(1, 'must name at least one event type')
  .superRefine((events, ctx) => {
    events.forEach((event, i) => {
      if (events.indexOf(event) !== i) ctx.addIssue({ code: 'custom', message: 'is named twice', path: [i] });
    });
  });

const Description = z
  .string()
  .trim()
  .max(MAX_WEBHOOK_DESCRIPTION_LENGTH, `must be at most ${MAX_WEBHOOK_DESCRIPTION_LENGTH} characters`);

export const CreateWebhook = z
  .strictObject({ url: WebhookUrl, events: Events, description: Description.optional() })
  .meta({ id: 'CreateWebhook' });
export type CreateWebhook = z.output<typeof CreateWebhook>;

export const PatchWebhook = z
  .strictObject({
    url: WebhookUrl.optional(),
    events: Events.optional(),
    /** An empty description removes it. */
    description: Description.optional(),
    /** true: nothing is delivered (and nothing queued for it) until it is false again. */
    disabled: z.boolean().optional(),
  })
  .meta({ id: 'PatchWebhook' });
export type PatchWebhook = z.output<typeof PatchWebhook>;

export const RotateWebhookSecret = z.strictObject({
  overlapMinutes: z
    .int('must be a whole number')
    .min(0)
    .max(MAX_ROTATION_OVERLAP_MINUTES, `must be at most ${MAX_ROTATION_OVERLAP_MINUTES}`)
    .default(DEFAULT_ROTATION_OVERLAP_MINUTES),
});

export const WebhookStatus = z.enum(['active', 'failing', 'disabled']);
export type WebhookStatus = z.output<typeof WebhookStatus>;

/** A subscription as the API shows it: never its secrets. */
export const Webhook = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(WebhookEventType),
    description: z.string().optional(),
    /** `failing`: a delivery ran out of retries; the next delivered one makes it active again. */
    status: WebhookStatus,
    failingSince: z.iso.datetime().optional(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    secretRotatedAt: z.iso.datetime().optional(),
    /** Until then the secret a rotation replaced signs too (a second `v1,` signature). */
    previousSecretExpiresAt: z.iso.datetime().optional(),
  })
  .meta({ id: 'Webhook' });
export type Webhook = z.output<typeof Webhook>;

/** Whose subscription it is: the supplier's (all its leads) or one partner's (its own leads there). */
export type WebhookOwner =
  | { kind: 'supplier'; supplierId: string }
  | { kind: 'partner'; supplierId: string; partnerId: string };

/** A signing secret; `expiresAt` only on one a rotation replaced. */
export interface WebhookSecret {
  secret: string;
  expiresAt?: string;
}

/** A subscription as the store keeps it: with its owner, its secrets (newest first) and a version. */
export interface StoredWebhook extends Webhook {
  owner: WebhookOwner;
  secrets: WebhookSecret[];
  /** Whether it is switched off by hand (status `disabled`); kept apart from `failing`. */
  disabled?: boolean;
  version: number;
}

export const DeliveryStatus = z.enum(['queued', 'sending', 'retrying', 'delivered', 'failed']);
export type DeliveryStatus = z.output<typeof DeliveryStatus>;

/** One HTTP attempt of a delivery, as the log shows it. */
export const DeliveryAttempt = z
  .object({
    at: z.iso.datetime(),
    /** The receiver's status code; absent when no answer came (refused, timed out, blocked). */
    responseStatus: z.int().optional(),
    durationMs: z.int().min(0),
    error: z.string().optional(),
    /** The first characters of the receiver's answer (at most 256). */
    responseExcerpt: z.string().optional(),
  })
  .meta({ id: 'DeliveryAttempt' });
export type DeliveryAttempt = z.output<typeof DeliveryAttempt>;

/** A delivery as the log shows it. */
export const WebhookDelivery = z
  .object({
    id: z.string().describe('The webhook-id header of every attempt of it'),
    eventType: z.string(),
    leadId: z.string().optional(),
    status: DeliveryStatus,
    attempts: z.int().min(0),
    lastAttempt: DeliveryAttempt.optional(),
    nextAttemptAt: z.iso.datetime().optional(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'WebhookDelivery' });
export type WebhookDelivery = z.output<typeof WebhookDelivery>;

/**
 * A delivery as the store keeps it: one event for one subscription, in its lane
 * (the subscription and the lead: deliveries of a lane go out one at a time, in
 * `seq` order), with the body every attempt sends.
 */
export interface StoredDelivery extends WebhookDelivery {
  webhookId: string;
  owner: WebhookOwner;
  /** The lead the lane is for, or `test` (test events, outside any lead's order). */
  lane: string;
  /** Its place in the lane: the lead version (10 digits) and the event's index in the change. */
  seq: string;
  eventId: string;
  /** The JSON body, exactly as signed and sent. */
  payload: string;
  /** When the first attempt was made: retries go on for RETRY_WINDOW from here. */
  firstAttemptAt?: string;
  /** While sending: who claimed it and until when the claim holds. */
  claim?: string;
  leaseUntil?: string;
  finishedAt?: string;
}

/** The event `POST` body a receiver gets. */
export interface WebhookEvent {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

/** What the Scheduler hands the webhooks function when a retry is due. */
export interface WebhookRetryEvent {
  kind: 'retry';
  webhookId: string;
  leadId: string;
  deliveryId: string;
}
