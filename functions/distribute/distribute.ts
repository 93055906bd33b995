import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { cancelObsoleteDeadline, type DistributeDeps, distributeLead } from '@leadrelay/core';
import { leadFromStreamImage } from '@leadrelay/store';
import type { DynamoDBRecord } from 'aws-lambda';

type Image = Record<string, AttributeValue>;

/**
 * One table-stream record → the side effects of the lead's new state: the old
 * assignment's reroute schedule deleted when the wait ended, and the email (and
 * new deadline) the lead is owed. Other entities and removals are ignored.
 */
export function distributeRecord(deps: DistributeDeps) {
  return async (record: DynamoDBRecord): Promise<void> => {
    const old = leadFromStreamImage(record.dynamodb?.OldImage as Image | undefined);
    const lead = leadFromStreamImage(record.dynamodb?.NewImage as Image | undefined);
    if (!old && !lead) return;
    await cancelObsoleteDeadline(deps, old, lead);
    if (lead) await distributeLead(deps, lead);
  };
}
