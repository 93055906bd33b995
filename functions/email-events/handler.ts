import { loadConfig } from '@leadrelay/aws';
import { applyEmailEvent, NOTIFICATION_TAGS, parseSesEvent, systemClock } from '@leadrelay/core';
import {
  createDocumentClient,
  createDynamoClient,
  DynamoLeadStore,
  DynamoTenantStore,
} from '@leadrelay/store';
import type { EventBridgeEvent } from 'aws-lambda';
import { functionLogger } from '../shared/logger';
import { functionMetrics, Metric } from '../shared/metrics';
import { functionTracer } from '../shared/tracer';

const config = loadConfig('email-events');
const logger = functionLogger('email-events');
const metrics = functionMetrics('email-events');
const { traced } = functionTracer('email-events');
const db = createDocumentClient(traced(createDynamoClient()));
const deps = {
  leads: new DynamoLeadStore(db, config.TABLE_NAME),
  tenants: new DynamoTenantStore(db, config.TABLE_NAME),
  clock: systemClock,
};

/**
 * SES configuration-set events, delivered by EventBridge (source aws.ses) → the
 * lead's email status, forward only, and its history (applyEmailEvent). A bounce
 * or complaint is counted when it is applied, so a repeated event counts once.
 * The log names the lead by id, never its addresses (the event's `mail` has them).
 */
export const handler = async (event: EventBridgeEvent<string, unknown>): Promise<void> => {
  const ses = parseSesEvent(event.detail);
  const outcome = await applyEmailEvent(deps, ses);
  if (outcome === 'applied') {
    if (ses.eventType === 'Bounce') metrics.count(Metric.emailsBounced);
    if (ses.eventType === 'Complaint') metrics.count(Metric.emailsComplained);
  }
  metrics.flush();
  logger.info('email event', {
    leadId: ses.tags[NOTIFICATION_TAGS.leadId],
    type: ses.eventType,
    messageId: ses.messageId,
    tags: ses.tags,
    outcome,
  });
};
