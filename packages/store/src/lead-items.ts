import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { type HistoryEntry, type Lead, type LoadChange, sharedWithSupplier } from '@leadrelay/core';
import { fromItem } from './items';
import { Entity, Keys } from './keys';

/**
 * How a lead and a partner's load look as items (keys.ts has the key table).
 * A Lead item is the Lead object's own fields plus its keys and `entity`; the
 * lead's `version` is the item's version.
 */

/**
 * The lead as an item. Its `history` is the entries that are in no LeadHistory
 * item (listHistory reads both): a new lead keeps its first entries on itself, so
 * intake writes one item per lead; a later change moves what leaves the window
 * into history items (core's `replaceLeadWrite` splits it).
 */
export function leadItem(lead: Lead): Record<string, unknown> {
  const fields = Object.fromEntries(Object.entries(lead).filter(([, v]) => v !== undefined));
  const shared = sharedWithSupplier(lead);
  return {
    ...fields,
    ...Keys.lead(lead.id),
    ...(shared ? Keys.leadIndex(lead.supplierId, lead.id, lead.createdAt) : {}),
    ...(lead.partnerId
      ? (shared ? Keys.leadOfPartner : Keys.ownLeadOfPartner)(
          lead.supplierId,
          lead.partnerId,
          lead.id,
          lead.createdAt,
        )
      : {}),
    ...(waitsForDeadline(lead) && lead.deadlineAt ? Keys.leadDeadline(lead.id, lead.deadlineAt) : {}),
    ...viewKeys(lead),
    entity: Entity.lead,
  };
}

/**
 * The All Leads view's index keys (keys.ts): by updated time, status, email status, type and
 * source, pipeline, channel conflict. A partner's own lead the supplier does not see has
 * byUpdated's alone, in its partner's own partitions (its partner's sort=updated).
 */
export function viewKeys(lead: Lead): Record<string, string> {
  const { supplierId: sid, id, createdAt } = lead;
  if (!sharedWithSupplier(lead)) {
    return lead.partnerId ? Keys.ownLeadUpdated(sid, lead.partnerId, id, lead.updatedAt) : {};
  }
  const updated = Keys.leadUpdated(sid, id, lead.updatedAt);
  return {
    ...updated,
    ...Keys.leadStatus(sid, lead.distributionStatus, id, createdAt),
    ...Keys.leadEmail(sid, lead.emailStatus, id, createdAt),
    ...Keys.leadSource(sid, lead.type, lead.source, id, createdAt),
    ...(lead.pipelineStatus ? Keys.leadPipeline(sid, lead.pipelineStatus, id, createdAt) : {}),
    ...(lead.conflict ? Keys.leadConflict(sid, id, createdAt) : {}),
  };
}

/** The alias that gives a registered partner lead the supplier's identity of its email (Keys table: LeadAlias). */
export function aliasItem(aliasId: string, lead: Pick<Lead, 'id' | 'supplierId'>, at: string) {
  return {
    ...Keys.lead(aliasId),
    entity: Entity.leadAlias,
    aliasOf: lead.id,
    supplierId: lead.supplierId,
    at,
    version: 1,
  };
}

/**
 * One change's history entries (oldest first) as a LeadHistory item. `change` makes
 * the key unique: `v<version>` for a change written on the lead's version (the
 * version after it), `m<id>` for a merge.
 */
export function historyItem(leadId: string, entries: readonly HistoryEntry[], change: string) {
  const at = entries[0]?.at;
  if (at === undefined) throw new Error('A history item holds at least one entry');
  return {
    ...Keys.leadHistory(leadId, at, change),
    entity: Entity.leadHistory,
    leadId,
    entries,
    version: 1,
  };
}

/** The key part of a history item written with the lead's `version`. */
export function versionChange(version: number): string {
  return `v${String(version).padStart(10, '0')}`;
}

/** The record of an outside event applied to a lead (see Keys.leadEvent). */
export function eventItem(leadId: string, eventId: string, at: string) {
  return {
    ...Keys.leadEvent(leadId, eventId),
    entity: Entity.leadEvent,
    leadId,
    eventId,
    at,
    version: 1,
  };
}

/**
 * A lead with a partner who has not acted yet: it sits in the deadline index,
 * unless the sweep gave up on it (flagged: it would hold up every sweep).
 */
function waitsForDeadline(lead: Lead): boolean {
  return (
    lead.partnerId !== null &&
    (lead.distributionStatus === 'Pending' || lead.distributionStatus === 'Rerouted') &&
    lead.rerouteFailure?.flaggedAt === undefined
  );
}

/** The Lead inside an item: everything but the keys and the entity tag. */
export function leadFromItem(item: Record<string, unknown>): Lead {
  return fromItem<Lead>(item);
}

/**
 * One TransactWriteItems part that moves a partner's Pending count. The item is
 * created on first use; `version` counts its changes. When the change adds and the
 * partner has a capacity, the count must stay at or under it.
 */
export function loadUpdate(tableName: string, supplierId: string, change: LoadChange) {
  const guarded = change.capacity !== null && change.delta > 0;
  return {
    Update: {
      TableName: tableName,
      Key: Keys.partnerLoad(supplierId, change.partnerId),
      UpdateExpression:
        'SET entity = :entity, supplierId = :supplierId, partnerId = :partnerId ADD pending :delta, version :one',
      ...(guarded && {
        ConditionExpression:
          '(attribute_not_exists(pending) AND :delta <= :capacity) OR pending <= :capacityMinusDelta',
      }),
      ExpressionAttributeValues: {
        ':entity': Entity.partnerLoad,
        ':supplierId': supplierId,
        ':partnerId': change.partnerId,
        ':delta': change.delta,
        ':one': 1,
        ...(guarded && {
          ':capacity': change.capacity,
          ':capacityMinusDelta': (change.capacity ?? 0) - change.delta,
        }),
      },
    },
  };
}

/**
 * The lead in a table-stream image (NewImage / OldImage, DynamoDB JSON), or
 * undefined when the image is absent or holds another entity.
 */
export function leadFromStreamImage(image: Record<string, AttributeValue> | undefined): Lead | undefined {
  if (!image) return undefined;
  const item = unmarshall(image);
  return item.entity === Entity.lead ? leadFromItem(item) : undefined;
}
