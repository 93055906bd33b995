import { SESv2Client } from '@aws-sdk/client-sesv2';
import { linkKeysSource, loadConfig, SesMailer } from '@leadrelay/aws';
import {
  parseInput,
  RerouteEvent,
  remindPartner,
  rerouteLead,
  sweepDeadlines,
  systemClock,
} from '@leadrelay/core';
import {
  createDocumentClient,
  createDynamoClient,
  DynamoLeadStore,
  DynamoRulesStore,
  DynamoTenantStore,
} from '@leadrelay/store';
import type { Context } from 'aws-lambda';
import { idempotentMailer } from '../shared/idempotency';
import { functionLogger } from '../shared/logger';
import { functionMetrics, Metric } from '../shared/metrics';
import { functionTracer } from '../shared/tracer';
import { reportSweep } from './report';

const config = loadConfig('reroute');
const logger = functionLogger('reroute');
const metrics = functionMetrics('reroute');
const { traced } = functionTracer('reroute');
const dynamo = traced(createDynamoClient());
const db = createDocumentClient(dynamo);
const ses = new SesMailer(traced(new SESv2Client({ retryMode: 'adaptive', maxAttempts: 8 })), {
  from: config.MAIL_FROM,
  configurationSet: config.SES_CONFIGURATION_SET,
});
const mailer = idempotentMailer((email) => ses.send(email), dynamo, config.TABLE_NAME);
const deps = {
  leads: new DynamoLeadStore(db, config.TABLE_NAME),
  tenants: new DynamoTenantStore(db, config.TABLE_NAME),
  rules: new DynamoRulesStore(db, config.TABLE_NAME),
  mailer,
  linkKeys: linkKeysSource(config),
  publicUrl: config.PUBLIC_URL,
  clock: systemClock,
};

/**
 * EventBridge Scheduler → a lead's reroute deadline fired (`deadline`: a stale
 * assignment version or a decided lead is a no-op), its reminder fired
 * (`reminder`: one email to the partner while the lead still waits on that
 * assignment, once whatever the retries), or the periodic sweep that catches
 * deadlines whose schedule was lost (`sweep`; a lead it cannot reroute is logged
 * and counted, and never stops the others). Every lead moved on counts as a
 * reroute (whatever it ended in: the lead's own stream record counts it
 * Unassigned in distribute).
 */
export const handler = async (event: unknown, context?: Context): Promise<void> => {
  if (context) mailer.registerContext(context);
  const input = parseInput(RerouteEvent, event, 'reroute event');
  if (input.kind === 'sweep') {
    const swept = await sweepDeadlines(deps);
    reportSweep(swept, logger, metrics.metrics);
    metrics.count(Metric.reroutes, swept.rerouted);
    metrics.flush();
    return;
  }
  if (input.kind === 'reminder') {
    const outcome = await remindPartner(deps, {
      leadId: input.leadId,
      assignmentVersion: input.assignmentVersion,
    });
    logger.info('reminder', {
      leadId: input.leadId,
      supplierId: input.supplierId,
      assignmentVersion: input.assignmentVersion,
      outcome,
    });
    return;
  }
  const result = await rerouteLead(deps, {
    leadId: input.leadId,
    assignmentVersion: input.assignmentVersion,
  });
  if ('outcome' in result) metrics.count(Metric.reroutes);
  metrics.flush();
  logger.info('deadline', {
    leadId: input.leadId,
    supplierId: input.supplierId,
    assignmentVersion: input.assignmentVersion,
    ...summary(result),
  });
};

function summary(result: Awaited<ReturnType<typeof rerouteLead>>) {
  return 'outcome' in result
    ? { outcome: result.outcome, partnerId: result.lead.partnerId }
    : { skipped: result.skipped };
}
