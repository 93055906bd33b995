import { z } from 'zod';
import { EMAIL_EVENTS } from './distribution/email-status';
import { parseInput } from './validation';

/** What a reroute schedule sends to the reroute function (EventBridge Scheduler Input). */
export const RerouteEvent = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('deadline'),
    supplierId: z.string().min(1),
    leadId: z.string().min(1),
    assignmentVersion: z.int().min(1),
  }),
  /** The one reminder before a deadline: sent while the lead still waits on that assignment. */
  z.object({
    kind: z.literal('reminder'),
    supplierId: z.string().min(1),
    leadId: z.string().min(1),
    assignmentVersion: z.int().min(1),
  }),
  z.object({ kind: z.literal('sweep') }),
]);
export type RerouteEvent = z.output<typeof RerouteEvent>;

/** The parts of an SES event (the EventBridge `detail`) that Lead Relay reads. */
const SesEventDetail = z.object({
  // The types that move the email status, and Subscription, which SES also publishes.
  eventType: z.enum([...EMAIL_EVENTS, 'Subscription']),
  mail: z.object({
    messageId: z.string().min(1),
    timestamp: z.string(),
    tags: z.record(z.string(), z.array(z.string())).default({}),
  }),
});

export interface SesEvent {
  eventType: z.output<typeof SesEventDetail>['eventType'];
  messageId: string;
  /** Message tags with one value each (SES sends arrays). */
  tags: Record<string, string>;
  detail: Record<string, unknown>;
}

export function parseSesEvent(detail: unknown): SesEvent {
  const parsed = parseInput(SesEventDetail, detail, 'SES event');
  const tags = Object.fromEntries(
    Object.entries(parsed.mail.tags).flatMap(([k, v]) => (v[0] === undefined ? [] : [[k, v[0]]])),
  );
  return {
    eventType: parsed.eventType,
    messageId: parsed.mail.messageId,
    tags,
    detail: detail as Record<string, unknown>,
  };
}

/**
 * Lead files live under `inbox/<supplierId>/` in the inbox bucket: uploads are
 * keyed there, the S3 trigger of ingest (functions/registry.ts) and the grants
 * filter on it, and ingest reads the supplier from the key.
 */
export const inboxPrefix = 'inbox/';

/** An object under inbox/<supplierId>/...: S3 event keys are URL-encoded, spaces as '+'. */
export function inboxObject(encodedKey: string): { key: string; supplierId: string } | undefined {
  const key = decodeURIComponent(encodedKey.replace(/\+/g, ' '));
  if (!key.startsWith(inboxPrefix)) return undefined;
  const match = /^([A-Za-z0-9]{1,64})\/(.+)$/.exec(key.slice(inboxPrefix.length));
  return match?.[1] ? { key, supplierId: match[1] } : undefined;
}
