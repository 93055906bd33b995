import { LambdaClient } from '@aws-sdk/client-lambda';
import { LambdaInvoker, loadConfig } from '@leadrelay/aws';
import { type ResumeUpload, sweepStalledUploads, systemClock } from '@leadrelay/core';
import { createDocumentClient, createDynamoClient, DynamoUploadStore } from '@leadrelay/store';
import { functionLogger } from '../shared/logger';
import { functionMetrics, Metric } from '../shared/metrics';
import { functionTracer } from '../shared/tracer';

const config = loadConfig('upload-sweeper');
const logger = functionLogger('upload-sweeper');
const { traced } = functionTracer('upload-sweeper');
const metrics = functionMetrics('upload-sweeper');
const db = createDocumentClient(traced(createDynamoClient()));
const uploads = new DynamoUploadStore(db, config.TABLE_NAME);
const invoker = new LambdaInvoker(traced(new LambdaClient({})));

/**
 * EventBridge Scheduler, every few minutes → each upload left `processing` with an
 * expired lease is sent to ingest as `{kind: 'resume'}` (ingest claims it
 * conditionally, so a resume that races a live run does nothing).
 */
export const handler = async (): Promise<void> => {
  const swept = await sweepStalledUploads({
    uploads,
    clock: systemClock,
    resume: ({ supplierId, uploadId }) => {
      const resume: ResumeUpload = { kind: 'resume', supplierId, uploadId };
      return invoker.invokeAsync(config.INGEST_FUNCTION_NAME, resume);
    },
  });
  if (swept.resumed > 0) logger.info('uploads resumed', swept);
  metrics.count(Metric.uploadsResumed, swept.resumed);
  metrics.flush();
};
