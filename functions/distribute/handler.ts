import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { linkKeysSource, loadConfig, SchedulerDeadlines, SesMailer } from '@leadrelay/aws';
import { batchTenantReads, systemClock } from '@leadrelay/core';
import {
  createDocumentClient,
  createDynamoClient,
  DynamoLeadStore,
  DynamoRulesStore,
  DynamoTenantStore,
} from '@leadrelay/store';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { idempotentMailer } from '../shared/idempotency';
import { functionLogger } from '../shared/logger';
import { functionMetrics } from '../shared/metrics';
import { streamConsumer } from '../shared/stream';
import { functionTracer } from '../shared/tracer';
import { distributeRecord } from './distribute';

const config = loadConfig('distribute');
const logger = functionLogger('distribute');
const metrics = functionMetrics('distribute');
const { traced } = functionTracer('distribute');
const dynamo = traced(createDynamoClient());
const db = createDocumentClient(dynamo);
// Adaptive retries: SES throttling (MaxSendRate) is waited out, not dropped.
const ses = new SesMailer(traced(new SESv2Client({ retryMode: 'adaptive', maxAttempts: 8 })), {
  from: config.MAIL_FROM,
  configurationSet: config.SES_CONFIGURATION_SET,
});
const mailer = idempotentMailer((email) => ses.send(email), dynamo, config.TABLE_NAME);

const tenants = new DynamoTenantStore(db, config.TABLE_NAME);
const deps = {
  leads: new DynamoLeadStore(db, config.TABLE_NAME),
  // Routing rules: a lead rejected with the supplier's rerouteRejected on is rerouted here.
  rules: new DynamoRulesStore(db, config.TABLE_NAME),
  mailer,
  deadlines: new SchedulerDeadlines(traced(new SchedulerClient({})), {
    groupName: config.SCHEDULE_GROUP,
    roleArn: config.SCHEDULER_ROLE_ARN,
    targetArn: config.REROUTE_FUNCTION_ARN,
    deadLetterArn: config.DEADLINE_DLQ_ARN,
  }),
  linkKeys: linkKeysSource(config),
  publicUrl: config.PUBLIC_URL,
  clock: systemClock,
};

/**
 * Table stream → the side effects of an assignment (the partner email, the reroute
 * schedule) and the reroute of a rejected lead. Every path only writes state; this
 * consumer acts on it, idempotently, reporting failed records one by one (batch
 * item failures); what the batch did is written as metrics, also when it throws.
 */
export const handler = async (event: DynamoDBStreamEvent, context: Context) => {
  mailer.registerContext(context);
  // Each supplier and partner read once per batch, however many of its leads the batch holds.
  const consume = streamConsumer(
    distributeRecord({ ...deps, tenants: batchTenantReads(tenants) }, { counter: metrics, log: logger }),
  );
  const response = await consume(event, context).finally(() => metrics.flush());
  if (response.batchItemFailures.length > 0) {
    logger.warn('records failed', { failed: response.batchItemFailures.length, of: event.Records.length });
  }
  return response;
};
