import { loadConfig } from '@leadrelay/aws';
import {
  createDocumentClient,
  createDynamoClient,
  DynamoLeadStore,
  DynamoReportStore,
} from '@leadrelay/store';
import type { Context } from 'aws-lambda';
import { functionLogger } from '../shared/logger';
import { functionMetrics, Metric } from '../shared/metrics';
import { functionTracer } from '../shared/tracer';
import { runRebuild } from './rebuild';

const config = loadConfig('reports-rebuild');
const logger = functionLogger('reports-rebuild');
const { traced } = functionTracer('reports-rebuild');
const metrics = functionMetrics('reports-rebuild');
const db = createDocumentClient(traced(createDynamoClient()));
const deps = {
  reports: new DynamoReportStore(db, config.TABLE_NAME),
  leads: new DynamoLeadStore(db, config.TABLE_NAME),
};

/** A minute for the page in flight and the answer. */
const STOP_BEFORE_MS = 60_000;

/**
 * Invoked by hand (README): `{"supplierId": "..."}` recomputes that supplier's report
 * counters from its leads. Near the timeout it stops after a page and answers
 * `{generation, cursor}`: invoke again with them added to go on.
 */
export const handler = async (event: unknown, context: Context) => {
  const progress = await runRebuild(deps, event, {
    pause: () => context.getRemainingTimeInMillis() < STOP_BEFORE_MS,
  });
  logger.info('rebuild', { ...progress });
  metrics.count(Metric.leadsRebuilt, progress.leads);
  metrics.flush();
  return progress;
};
