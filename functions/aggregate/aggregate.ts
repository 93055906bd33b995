import { type Lead, type LeadChange, type ReportStore, Reports } from '@leadrelay/core';
import { leadFromStreamImage } from '@leadrelay/store';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';

/** A stream image as the store reads it (the Lambda and SDK types of AttributeValue differ only in name). */
type Image = Parameters<typeof leadFromStreamImage>[0];

/** A lead image with what the counters key on (a hand-written item tagged Lead may lack it). */
function countable(lead: Lead | undefined): Lead | undefined {
  return lead &&
    typeof lead.id === 'string' &&
    typeof lead.supplierId === 'string' &&
    typeof lead.version === 'number' &&
    typeof lead.createdAt === 'string'
    ? lead
    : undefined;
}

/** A stream record as a lead change (undefined: not a lead's record, or not one the counters can key). */
export function leadChangeOf(record: DynamoDBRecord): LeadChange | undefined {
  const lead = countable(leadFromStreamImage(record.dynamodb?.NewImage as Image));
  const previous = countable(leadFromStreamImage(record.dynamodb?.OldImage as Image));
  const any = lead ?? previous;
  if (!any) return undefined;
  return {
    supplierId: any.supplierId,
    leadId: any.id,
    // A removed lead's state wins over every image of it.
    version: lead ? lead.version : Reports.REMOVED_VERSION,
    lead,
    previous,
  };
}

/**
 * The aggregate consumer: a batch of table-stream records onto the report counters, as
 * a whole (changes are merged per counter item into few transactions). If the batch
 * fails, its records are applied one by one in stream order and the first that fails is
 * reported with every record after it (batchItemFailures): the stream retries from
 * there; what was applied is applied again as a no-op (version-gated).
 */
export function aggregateBatch(
  deps: { reports: ReportStore },
  log: { warn: (message: string, extra: Record<string, unknown>) => void },
) {
  return async (records: readonly DynamoDBRecord[]): Promise<DynamoDBBatchResponse> => {
    const changes = records.map(leadChangeOf);
    try {
      await Reports.applyLeadChanges(
        deps,
        changes.filter((c): c is LeadChange => c !== undefined),
      );
      return { batchItemFailures: [] };
    } catch (error) {
      log.warn('batch failed; applying its records one by one', { error: String(error) });
    }
    for (const [i, change] of changes.entries()) {
      if (change === undefined) continue;
      try {
        await Reports.applyLeadChanges(deps, [change]);
      } catch (error) {
        log.warn('record failed', { error: String(error), at: i, of: records.length });
        return {
          batchItemFailures: records
            .slice(i)
            .map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber ?? '' })),
        };
      }
    }
    return { batchItemFailures: [] };
  };
}
