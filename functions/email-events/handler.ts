import { parseSesEvent } from '@leadrelay/core';
import type { EventBridgeEvent } from 'aws-lambda';
import { functionLogger } from '../shared/logger';

const logger = functionLogger('email-events');

/**
 * SES configuration-set events, delivered by EventBridge (source aws.ses). The
 * lead's email status moves forward from these with the distribution issue; the
 * event is parsed and checked here already, so a malformed event is visible.
 */
export const handler = async (event: EventBridgeEvent<string, unknown>): Promise<void> => {
  const ses = parseSesEvent(event.detail);
  logger.info('email event', { type: ses.eventType, messageId: ses.messageId, tags: ses.tags });
};
