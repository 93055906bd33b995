import { Metrics } from '@aws-lambda-powertools/metrics';
import { loadConfig } from '@leadrelay/aws';
import { parseInput, RerouteEvent, rerouteLead, sweepDeadlines, systemClock } from '@leadrelay/core';
import { createDocumentClient, DynamoLeadStore, DynamoRulesStore, DynamoTenantStore } from '@leadrelay/store';
import { functionLogger } from '../shared/logger';
import { reportSweep } from './report';

const config = loadConfig('reroute');
const logger = functionLogger('reroute');
const metrics = new Metrics({
  namespace: 'LeadRelay',
  serviceName: 'lead-relay',
  defaultDimensions: { fn: 'reroute' },
});
const db = createDocumentClient();
const deps = {
  leads: new DynamoLeadStore(db, config.TABLE_NAME),
  tenants: new DynamoTenantStore(db, config.TABLE_NAME),
  rules: new DynamoRulesStore(db, config.TABLE_NAME),
  clock: systemClock,
};

/**
 * EventBridge Scheduler → a lead's reroute deadline fired (`deadline`: a stale
 * assignment version or a decided lead is a no-op), or the periodic sweep that
 * catches deadlines whose schedule was lost (`sweep`; a lead it cannot reroute
 * is logged and counted, and never stops the others).
 */
export const handler = async (event: unknown): Promise<void> => {
  const input = parseInput(RerouteEvent, event, 'reroute event');
  if (input.kind === 'sweep') {
    const swept = await sweepDeadlines(deps);
    reportSweep(swept, logger, metrics);
    metrics.publishStoredMetrics();
    return;
  }
  const result = await rerouteLead(deps, {
    leadId: input.leadId,
    assignmentVersion: input.assignmentVersion,
  });
  logger.info('deadline', {
    leadId: input.leadId,
    assignmentVersion: input.assignmentVersion,
    ...summary(result),
  });
};

function summary(result: Awaited<ReturnType<typeof rerouteLead>>) {
  return 'outcome' in result
    ? { outcome: result.outcome, partnerId: result.lead.partnerId }
    : { skipped: result.skipped };
}
