import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  cancelObsoleteDeadline,
  type DistributeDeps,
  distributeLead,
  escalateLead,
  type RerouteDeps,
  rerouteIfRejected,
} from '@leadrelay/core';
import { leadFromStreamImage } from '@leadrelay/store';
import type { DynamoDBRecord } from 'aws-lambda';

type Image = Record<string, AttributeValue>;

/**
 * One table-stream record → what the lead's new state calls for: the old
 * assignment's reroute (and reminder) schedules deleted when the wait ended, the
 * reroute of a lead just rejected (when the supplier reroutes rejected leads; its
 * own change comes back as a record of its own), the email (and new deadline) the
 * lead is owed, and the supplier's escalation email when the lead ran out of
 * partners or its partner's email bounced with nobody left to try. Other
 * entities and removals are ignored.
 */
export function distributeRecord(deps: DistributeDeps & RerouteDeps) {
  return async (record: DynamoDBRecord): Promise<void> => {
    const old = leadFromStreamImage(record.dynamodb?.OldImage as Image | undefined);
    const lead = leadFromStreamImage(record.dynamodb?.NewImage as Image | undefined);
    if (!old && !lead) return;
    await cancelObsoleteDeadline(deps, old, lead);
    await rerouteIfRejected(deps, old, lead);
    if (lead) await distributeLead(deps, lead);
    await escalateLead(deps, old, lead);
  };
}
