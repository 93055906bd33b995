import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  cancelObsoleteDeadline,
  type DistributeDeps,
  distributeLead,
  escalateLead,
  type Lead,
  type RerouteDeps,
  rerouteIfRejected,
} from '@leadrelay/core';
import { leadFromStreamImage } from '@leadrelay/store';
import type { DynamoDBRecord } from 'aws-lambda';
import { type Counter, Metric, noCounter } from '../shared/metrics';

type Image = Record<string, AttributeValue>;

/** The log lines of one record (fields per call: records of a slice run at once on one logger). */
export interface RecordLog {
  info(message: string, fields: Record<string, unknown>): void;
  debug(message: string, fields: Record<string, unknown>): void;
}

const quiet: RecordLog = { info: () => {}, debug: () => {} };

/** The record shows the lead becoming Unassigned: routed to nobody when it came in, or out of partners. */
function becameUnassigned(old: Lead | undefined, lead: Lead | undefined): boolean {
  return lead?.distributionStatus === 'Unassigned' && old?.distributionStatus !== 'Unassigned';
}

/**
 * One table-stream record → what the lead's new state calls for: the old
 * assignment's reroute (and reminder) schedules deleted when the wait ended, the
 * reroute of a lead just rejected (when the supplier reroutes rejected leads; its
 * own change comes back as a record of its own), the email (and new deadline) the
 * lead is owed, and the supplier's escalation email when the lead ran out of
 * partners or its partner's email bounced with nobody left to try. Other
 * entities and removals are ignored.
 *
 * What the record did is counted once it is all done (a record that throws is
 * retried, and counted then): the email sent, the rejection's reroute, and a lead
 * that became Unassigned, whichever path made it so.
 */
export function distributeRecord(
  deps: DistributeDeps & RerouteDeps,
  observe: { counter?: Counter; log?: RecordLog } = {},
) {
  const counter = observe.counter ?? noCounter;
  const log = observe.log ?? quiet;
  return async (record: DynamoDBRecord): Promise<void> => {
    const old = leadFromStreamImage(record.dynamodb?.OldImage as Image | undefined);
    const lead = leadFromStreamImage(record.dynamodb?.NewImage as Image | undefined);
    if (!old && !lead) return;
    await cancelObsoleteDeadline(deps, old, lead);
    const rerouted = await rerouteIfRejected(deps, old, lead);
    const distributed = lead ? await distributeLead(deps, lead) : undefined;
    await escalateLead(deps, old, lead);

    const keys = { leadId: (lead ?? old)?.id, supplierId: (lead ?? old)?.supplierId };
    if (rerouted && 'outcome' in rerouted) {
      counter.count(Metric.reroutes);
      log.info('rejected lead rerouted', { ...keys, outcome: rerouted.outcome });
    }
    if (distributed === 'sent') {
      counter.count(Metric.emailsSent);
      log.info('lead emailed', { ...keys, partnerId: lead?.partnerId });
    } else if (distributed !== undefined && distributed !== 'nothing-owed') {
      log.info('lead not emailed', { ...keys, outcome: distributed });
    } else {
      log.debug('record', { ...keys, status: lead?.distributionStatus });
    }
    if (becameUnassigned(old, lead)) counter.count(Metric.leadsUnassigned);
  };
}
