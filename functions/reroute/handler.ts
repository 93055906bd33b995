import { parseInput, RerouteEvent } from '@leadrelay/core';
import { functionLogger } from '../shared/logger';

const logger = functionLogger('reroute');

/**
 * EventBridge Scheduler → a lead's reroute deadline fired (`deadline`), or the
 * periodic sweep that catches deadlines whose schedule was lost (`sweep`). The
 * reroute itself arrives with the distribution issue.
 */
export const handler = async (event: unknown): Promise<void> => {
  const input = parseInput(RerouteEvent, event, 'reroute event');
  logger.info('reroute event', { ...input });
};
