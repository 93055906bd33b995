import { functionLogger } from '../shared/logger';
import { streamConsumer } from '../shared/stream';

const logger = functionLogger('aggregate');

/**
 * Table stream → report counters (per supplier, day, partner, source, status), so
 * reports read a few items and never scan leads. Counters arrive with the reports
 * issue; until then it sees and acknowledges records.
 */
export const handler = streamConsumer(async (record) => {
  logger.debug('stream record', { eventName: record.eventName, keys: record.dynamodb?.Keys });
});
