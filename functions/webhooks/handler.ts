import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { HttpWebhookSender, loadConfig, SchedulerDeadlines, SesMailer } from '@leadrelay/aws';
import {
  DEFAULT_RETRY_POLICY,
  type DeliveryDeps,
  failingAlert,
  retryDue,
  systemClock,
  type WebhookRetryEvent,
} from '@leadrelay/core';
import {
  createDocumentClient,
  createDynamoClient,
  DynamoTenantStore,
  DynamoUserStore,
  DynamoWebhookStore,
} from '@leadrelay/store';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { idempotentMailer } from '../shared/idempotency';
import { functionLogger } from '../shared/logger';
import { webhookBatch } from './consume';

const config = loadConfig('webhooks');
const logger = functionLogger('webhooks');
const dynamo = createDynamoClient();
const db = createDocumentClient(dynamo);
const store = new DynamoWebhookStore(db, config.TABLE_NAME);
const scheduler = new SchedulerClient({});
const ses = new SesMailer(new SESv2Client({ retryMode: 'adaptive', maxAttempts: 8 }), {
  from: config.MAIL_FROM,
  configurationSet: config.SES_CONFIGURATION_SET,
});
const mailer = idempotentMailer((email) => ses.send(email), dynamo, config.TABLE_NAME);
const onFailing = failingAlert({
  tenants: new DynamoTenantStore(db, config.TABLE_NAME),
  users: new DynamoUserStore(db, config.TABLE_NAME),
  mailer,
});
const sender = new HttpWebhookSender({ allowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS });
const policy = {
  ...DEFAULT_RETRY_POLICY,
  ...(config.WEBHOOK_RETRY_BASE_SECONDS !== undefined
    ? { baseMs: config.WEBHOOK_RETRY_BASE_SECONDS * 1000 }
    : {}),
};

/**
 * A retry's schedule invokes this function itself: its own ARN (unqualified) from
 * the invocation, since the stack cannot give a function its own ARN in its
 * environment (a circular reference).
 */
function depsFor(context: Context): DeliveryDeps {
  const self = context.invokedFunctionArn.split(':').slice(0, 7).join(':');
  return {
    webhooks: store,
    deliveries: store,
    sender,
    clock: systemClock,
    retries: new SchedulerDeadlines(scheduler, {
      groupName: config.SCHEDULE_GROUP,
      roleArn: config.SCHEDULER_ROLE_ARN,
      targetArn: self,
      deadLetterArn: config.DEADLINE_DLQ_ARN,
    }),
    policy,
    random: Math.random,
    onFailing: (webhook) => onFailing(webhook),
  };
}

function isRetry(event: unknown): event is WebhookRetryEvent {
  return typeof event === 'object' && event !== null && (event as { kind?: unknown }).kind === 'retry';
}

/**
 * Table stream → signed webhook deliveries (Standard Webhooks), in order per lead
 * and subscription, at least once; and the Scheduler's retries of those that failed.
 */
export const handler = async (
  event: DynamoDBStreamEvent | WebhookRetryEvent,
  context: Context,
): Promise<DynamoDBBatchResponse | undefined> => {
  mailer.registerContext(context);
  const deps = depsFor(context);
  if (isRetry(event)) {
    await retryDue(deps, event);
    return undefined;
  }
  const response = await webhookBatch(deps, logger)(event.Records);
  if (response.batchItemFailures.length > 0) {
    logger.warn('records failed', { failed: response.batchItemFailures.length, of: event.Records.length });
  }
  return response;
};
