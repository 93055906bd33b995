import { Metrics } from '@aws-lambda-powertools/metrics';
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
import { reportSweep } from './report';

const config = loadConfig('reroute');
const logger = functionLogger('reroute');
const metrics = new Metrics({
  namespace: 'LeadRelay',
  serviceName: 'lead-relay',
  defaultDimensions: { fn: 'reroute' },
});
const dynamo = createDynamoClient();
const db = createDocumentClient(dynamo);
const ses = new SesMailer(new SESv2Client({ retryMode: 'adaptive', maxAttempts: 8 }), {
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
 * and counted, and never stops the others).
 */
export const handler = async (event: unknown, context?: Context): Promise<void> => {
  if (context) mailer.registerContext(context);
  const input = parseInput(RerouteEvent, event, 'reroute event');
  if (input.kind === 'sweep') {
    const swept = await sweepDeadlines(deps);
    reportSweep(swept, logger, metrics);
    metrics.publishStoredMetrics();
    return;
  }
  if (input.kind === 'reminder') {
    const outcome = await remindPartner(deps, {
      leadId: input.leadId,
      assignmentVersion: input.assignmentVersion,
    });
    logger.info('reminder', { leadId: input.leadId, assignmentVersion: input.assignmentVersion, outcome });
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
