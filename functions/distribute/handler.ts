import { functionLogger } from '../shared/logger';
import { streamConsumer } from '../shared/stream';

const logger = functionLogger('distribute');

/**
 * Table stream → the side effects of an assignment (the partner email, the reroute
 * schedule). Every path only writes state; this consumer acts on it, idempotently.
 * Leads arrive with the intake issue; until then it sees and acknowledges records.
 */
export const handler = streamConsumer(async (record) => {
  logger.debug('stream record', { eventName: record.eventName, keys: record.dynamodb?.Keys });
});
