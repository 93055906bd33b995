import type { components } from '../api/schema';

// The generated schema alone (not the client, which needs a browser): a test compares the list with core's.
export type EventType = components['schemas']['CreateWebhookInput']['events'][number];

/** Every event a webhook can hear, in the API's order (the order the checkboxes show). */
export const EVENT_TYPES: readonly EventType[] = [
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
];
