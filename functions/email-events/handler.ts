import { loadConfig } from '@leadrelay/aws';
import { applyEmailEvent, parseSesEvent, systemClock } from '@leadrelay/core';
import { createDocumentClient, DynamoLeadStore, DynamoTenantStore } from '@leadrelay/store';
import type { EventBridgeEvent } from 'aws-lambda';
import { functionLogger } from '../shared/logger';

const config = loadConfig('email-events');
const logger = functionLogger('email-events');
const db = createDocumentClient();
const deps = {
  leads: new DynamoLeadStore(db, config.TABLE_NAME),
  tenants: new DynamoTenantStore(db, config.TABLE_NAME),
  clock: systemClock,
};

/**
 * SES configuration-set events, delivered by EventBridge (source aws.ses) → the
 * lead's email status, forward only, and its history (applyEmailEvent).
 */
export const handler = async (event: EventBridgeEvent<string, unknown>): Promise<void> => {
  const ses = parseSesEvent(event.detail);
  const outcome = await applyEmailEvent(deps, ses);
  logger.info('email event', { type: ses.eventType, messageId: ses.messageId, tags: ses.tags, outcome });
};
