import { createS3Client, loadConfig, S3ExportFiles } from '@leadrelay/aws';
import { type RunExportEvent, runExport, systemClock } from '@leadrelay/core';
import {
  createDocumentClient,
  createDynamoClient,
  DynamoExportStore,
  searchableLeadStore,
} from '@leadrelay/store';
import { functionLogger } from '../shared/logger';
import { functionMetrics, Metric } from '../shared/metrics';
import { functionTracer } from '../shared/tracer';

const config = loadConfig('export');
const logger = functionLogger('export');
const { traced } = functionTracer('export');
const metrics = functionMetrics('export');
const db = createDocumentClient(traced(createDynamoClient()));
const deps = {
  // Keyword filters go to the token index, as the api's list does.
  views: searchableLeadStore(db, config.TABLE_NAME),
  exports: new DynamoExportStore(db, config.TABLE_NAME),
  files: new S3ExportFiles(
    traced(createS3Client({ forcePathStyle: config.S3_FORCE_PATH_STYLE })),
    config.BUCKET_NAME,
  ),
  clock: systemClock,
};

/**
 * The api's asynchronous invocation `{kind: 'export', supplierId, exportId}` → the
 * export's file is written (core runExport). A thrown error is retried by Lambda;
 * runExport records the export as failed on its last attempt.
 */
export const handler = async (event: RunExportEvent): Promise<void> => {
  if (
    event?.kind !== 'export' ||
    typeof event.supplierId !== 'string' ||
    typeof event.exportId !== 'string'
  ) {
    logger.error('unknown event skipped', { event: JSON.stringify(event).slice(0, 500) });
    return;
  }
  const outcome = await runExport(deps, event);
  logger.info('export', { supplierId: event.supplierId, exportId: event.exportId, outcome });
  if (outcome.kind === 'done') {
    metrics.count(Metric.exportsCompleted);
    metrics.count(Metric.exportRows, outcome.rows);
  }
  if (outcome.kind === 'failed') metrics.count(Metric.exportsFailed);
  metrics.flush();
};
