import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  type AliasedLeadWrite,
  type AliasedLeadWriteResult,
  type HistoryEntry,
  type Lead,
  type LeadFieldChange,
  type LeadFilter,
  type LeadStore,
  type LoadChange,
  MAX_ENTRIES_ON_LEAD,
  newId,
  newLeadsWrite,
  type Page,
  type PageQuery,
  type PutLeadsResult,
  type ReplaceLeadOptions,
  type ReplaceLeadResult,
  replaceLeadWrite,
  ValidationError,
} from '@leadrelay/core';
import { batchGetItems } from './batch-get';
import { decodeCursor, encodeCursor } from './cursor';
import { Entity, Keys, LEAD_SHARDS, sequenceAttribute, sequenceShard } from './keys';
import {
  aliasItem,
  eventItem,
  historyItem,
  leadFromItem,
  leadItem,
  loadUpdate,
  versionChange,
  viewKeys,
} from './lead-items';
import { LeadViewQuery, type SearchLeads } from './lead-query';
import { withRetries } from './retries';
import { Index } from './table';

type Item = Record<string, unknown>;
type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Every lead of a supplier, newest first: listLeads' view. */
const ALL_LEADS: LeadFilter = { dateField: 'created', sort: 'created', order: 'desc' };

export interface DynamoLeadStoreOptions {
  /** Keyword-driven views (the search store); without it keywords are checked on the items read. */
  searchLeads?: SearchLeads;
}

/** LeadStore on the single table (see keys.ts for every key, lead-items.ts for the item shapes). */
export class DynamoLeadStore implements LeadStore {
  private readonly views: LeadViewQuery;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: DynamoLeadStoreOptions = {},
  ) {
    this.views = new LeadViewQuery(db, tableName, options.searchLeads);
  }

  // get a lead — main table; an alias (a registered lead's email identity) is followed, one more GetItem
  async getLead(leadId: string): Promise<Lead | undefined> {
    const item = await this.getLeadItem(leadId);
    if (item?.entity !== Entity.leadAlias) return item ? leadFromItem(item) : undefined;
    const target = await this.getLeadItem(String(item.aliasOf));
    return target?.entity === Entity.lead ? leadFromItem(target) : undefined;
  }

  private async getLeadItem(leadId: string): Promise<Item | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: Keys.lead(leadId), ConsistentRead: true }),
    );
    return Item;
  }

  // get many leads — main table, BatchGetItem 100 keys at a time; aliases followed in a second round,
  // answered under the id asked for
  async getLeads(leadIds: readonly string[]): Promise<Map<string, Lead>> {
    const items = await this.batchGet([...new Set(leadIds)].map((id) => Keys.lead(id)));
    const found = new Map<string, Lead>();
    const aliases = new Map<string, string>();
    for (const item of items) {
      const id = String(item.PK).slice('LEAD#'.length);
      if (item.entity === Entity.leadAlias) aliases.set(id, String(item.aliasOf));
      else found.set(id, leadFromItem(item));
    }
    if (aliases.size > 0) {
      const targets = await this.batchGet([...new Set(aliases.values())].map((id) => Keys.lead(id)));
      const byId = new Map(
        targets.filter((t) => t.entity === Entity.lead).map((t) => [String(t.id), leadFromItem(t)]),
      );
      for (const [alias, target] of aliases) {
        const lead = byId.get(target);
        if (lead) found.set(alias, lead);
      }
    }
    return found;
  }

  // put new leads and their load changes — one transaction, each lead conditional on not existing; a new
  // lead's first history entries stay on its own item (no history item until a change moves them out)
  async putNewLeads(leads: readonly Lead[], loads: readonly LoadChange[]): Promise<PutLeadsResult> {
    const changes = newLeadsWrite(leads, loads);
    if (leads.length + changes.length === 0) return { ok: true };
    const items: TransactItem[] = [
      ...leads.map((lead) => ({
        Put: {
          TableName: this.tableName,
          Item: leadItem(lead),
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      })),
      ...this.loadUpdates(leads, changes),
    ];
    const failed = await this.transact(items);
    if (!failed.includes(true)) return { ok: true };
    return {
      ok: false,
      existingLeadIds: leads.filter((_, i) => failed[i]).map((l) => l.id),
      overCapacityPartnerIds: changes.filter((_, i) => failed[leads.length + i]).map((c) => c.partnerId),
    };
  }

  // merge a duplicate's fields into a lead — one UpdateItem on LEAD#<id> (no version condition by design)
  // that appends the merge's entry to the entries on the lead and answers the lead (ALL_NEW); when the
  // lead holds MAX_ENTRIES_ON_LEAD already, a transaction of that update and a history item of its own,
  // then the lead as it is now (GetItem: a transaction answers no attributes)
  async mergeLeadFields(leadId: string, change: LeadFieldChange): Promise<Lead | undefined> {
    // DynamoDB refuses unused expression names, so #custom is declared only when used.
    const names: Record<string, string> = {};
    // byUpdated's sort key moves with updatedAt (its partition follows from the id).
    const values: Record<string, unknown> = {
      ':now': change.updatedAt,
      ':one': 1,
      ':updatedKey': `${change.updatedAt}#${leadId}`,
    };
    const sets = ['updatedAt = :now', 'GSI4SK = :updatedKey'];
    Object.entries(change.fields).forEach(([field, value], i) => {
      names[`#f${i}`] = field;
      values[`:f${i}`] = value;
      sets.push(`#f${i} = :f${i}`);
    });
    Object.entries(change.customFields).forEach(([field, value], i) => {
      names['#custom'] = 'customFields';
      names[`#c${i}`] = field;
      values[`:c${i}`] = value;
      sets.push(`#custom.#c${i} = :c${i}`);
    });
    const update = {
      TableName: this.tableName,
      Key: Keys.lead(leadId),
      ...(Object.keys(names).length > 0 && { ExpressionAttributeNames: names }),
    };
    // No read-modify-write of the lead: concurrent merges all land, each appending its own entry.
    try {
      const { Attributes } = await withRetries(() =>
        this.db.send(
          new UpdateCommand({
            ...update,
            UpdateExpression: `SET ${sets.join(', ')}, history = list_append(history, :entry) ADD version :one`,
            ConditionExpression: 'attribute_exists(PK) AND size(history) < :max',
            ExpressionAttributeValues: { ...values, ':entry': [change.history], ':max': MAX_ENTRIES_ON_LEAD },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return Attributes && leadFromItem(Attributes);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    // Missing, or a lead merged again and again with no change since: the entry goes to an item of its own.
    const failed = await this.transact([
      {
        Update: {
          ...update,
          UpdateExpression: `SET ${sets.join(', ')} ADD version :one`,
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: values,
        },
      },
      {
        Put: {
          TableName: this.tableName,
          Item: historyItem(leadId, [change.history], `m${newId()}`),
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
    ]);
    if (failed[0]) return undefined;
    if (failed.includes(true)) throw new Error(`A merge's history item for lead ${leadId} already exists`);
    const lead = await this.getLead(leadId);
    // The merge's entry is the latest, though it is not among the entries on the lead item.
    return lead && { ...lead, history: [...lead.history, change.history] };
  }

  // replace a lead if unchanged since read (its version and the history on its item), with the history items of
  // the entries it moves off the lead, the event's record and its load changes — one transaction; a conditional
  // put alone when there is none of these
  async replaceLead(
    previous: Lead,
    next: Lead,
    loads: readonly LoadChange[],
    options: ReplaceLeadOptions = {},
  ): Promise<ReplaceLeadResult> {
    const { put, history, changes } = this.replacement(previous, next, loads);
    if (changes.length === 0 && history.length === 0 && options.event === undefined) {
      try {
        await withRetries(() => this.db.send(new PutCommand(put)));
        return 'ok';
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return 'stale';
        throw error;
      }
    }
    // The lead, then the history it moved out and the event's record, then the loads: a lost race
    // writes none of them.
    const parts: TransactItem[] = [{ Put: put }, ...history];
    const eventAt = parts.length;
    if (options.event !== undefined) {
      parts.push({
        Put: {
          TableName: this.tableName,
          Item: eventItem(next.id, options.event, next.updatedAt),
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      });
    }
    const loadsAt = parts.length;
    const failed = await this.transact([...parts, ...this.loadUpdates([next], changes)]);
    if (options.event !== undefined && failed[eventAt]) return 'seen-before';
    if (failed.slice(0, loadsAt).includes(true)) return 'stale';
    if (failed.includes(true)) return 'over-capacity';
    return 'ok';
  }

  // record an outside event that only adds history — one transaction: the event's record (conditional on
  // not being there: a redelivery writes nothing) and its entry as a history item of its own
  // (HISTORY#<at>#e<digest of the event>); the lead item is left as it is
  async appendEvent(leadId: string, entry: HistoryEntry, eventId: string): Promise<'ok' | 'seen-before'> {
    const digest = createHash('sha256').update(eventId).digest('base64url').slice(0, 16);
    const failed = await this.transact([
      {
        Put: {
          TableName: this.tableName,
          Item: eventItem(leadId, eventId, entry.at),
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
      {
        Put: {
          TableName: this.tableName,
          Item: historyItem(leadId, [entry], `e${digest}`),
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
    ]);
    return failed.includes(true) ? 'seen-before' : 'ok';
  }

  /**
   * The writes of a lead replaced by a version of itself: its conditional put (the version and the
   * entries on its item, as read: a `previous` whose history is not the item's, such as a merge's
   * answer that carries its entry, is stale too) and the history items of the entries it moves off.
   */
  private replacement(
    previous: Lead,
    next: Lead,
    loads: readonly LoadChange[],
  ): { put: NonNullable<TransactItem['Put']>; history: TransactItem[]; changes: LoadChange[] } {
    const { kept, evicted, changes } = replaceLeadWrite(previous, next, loads);
    const put = {
      TableName: this.tableName,
      Item: leadItem({ ...next, history: kept }),
      ConditionExpression: 'version = :expected AND size(history) = :entries',
      ExpressionAttributeValues: { ':expected': previous.version, ':entries': previous.history.length },
    };
    const history = evicted.map((entries, i) => ({
      Put: {
        TableName: this.tableName,
        Item: historyItem(
          next.id,
          entries,
          `${versionChange(next.version)}${evicted.length > 1 ? `-${String(i).padStart(2, '0')}` : ''}`,
        ),
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    }));
    return { put, history, changes };
  }

  // write a lead with the aliases that name it — one transaction: the lead replaced (conditional on its
  // version) or put new (conditional on not existing), each alias claimed (conditional on nothing there),
  // each released (deleted, conditional on still naming the lead), and a linked lead replaced (its version)
  async writeAliased(write: AliasedLeadWrite): Promise<AliasedLeadWriteResult> {
    const own = write.previous
      ? this.replacement(write.previous, write.next, [])
      : {
          put: {
            TableName: this.tableName,
            Item: leadItem(write.next),
            ConditionExpression: 'attribute_not_exists(PK)',
          },
          history: [],
        };
    const parts: TransactItem[] = [{ Put: own.put }, ...own.history];
    const claims = write.claims ?? [];
    const claimsAt = parts.length;
    for (const id of claims) {
      parts.push({
        Put: {
          TableName: this.tableName,
          Item: aliasItem(id, write.next, write.next.updatedAt),
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      });
    }
    for (const id of write.releases ?? []) {
      parts.push({
        Delete: {
          TableName: this.tableName,
          Key: Keys.lead(id),
          ConditionExpression: 'aliasOf = :lead',
          ExpressionAttributeValues: { ':lead': write.next.id },
        },
      });
    }
    if (write.linked) {
      const linked = this.replacement(write.linked.previous, write.linked.next, []);
      parts.push({ Put: linked.put }, ...linked.history);
    }
    if (parts.length === 1) {
      try {
        await withRetries(() => this.db.send(new PutCommand(own.put)));
        return 'ok';
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return 'stale';
        throw error;
      }
    }
    const failed = await this.transact(parts);
    if (!failed.includes(true)) return 'ok';
    const claimFailed = failed.slice(claimsAt, claimsAt + claims.length).includes(true);
    return claimFailed && !failed.slice(0, claimsAt).includes(true) ? 'claimed' : 'stale';
  }

  // a lead's history, newest first — one Query on LEAD#<id> from the lead item ('LEAD' sorts after every
  // 'HISTORY#…') down through its history items, descending; the entries on the lead item (the latest,
  // in no history item) take part as one-entry items `HISTORY#<at>#w<i>`, merged in by key. The cursor is
  // the key of the last item read and how many of its entries were taken; a later page reads the lead
  // item's entries again (GetItem) beside its Query.
  async listHistory(leadId: string, page: PageQuery): Promise<Page<HistoryEntry>> {
    const { PK, SKPrefix } = Keys.leadHistoryOf(leadId);
    const start = decodeCursor(page.cursor, { attribute: 'PK', value: PK });
    const upper = typeof start?.SK === 'string' && start.SK.startsWith(SKPrefix) ? start.SK : undefined;
    const taken = Number(start?.taken ?? 0);
    if (start !== undefined && (upper === undefined || !Number.isInteger(taken) || taken < 0)) {
      throw new ValidationError('Invalid cursor: pass the nextCursor of the previous page unchanged', [
        { path: 'cursor', message: 'not a cursor of this list' },
      ]);
    }
    const entries: HistoryEntry[] = [];
    let at = { SK: '', taken: 0 };
    for await (const item of this.historyItems(leadId, upper, page.limit)) {
      // Newest first within the item; the cursor's own item resumes after the entries already taken.
      const own = [...item.entries].reverse();
      const skip = item.SK === upper ? taken : 0;
      if (skip >= own.length) continue;
      if (entries.length === page.limit) {
        return { items: entries, nextCursor: encodeCursor({ PK, SK: at.SK, taken: String(at.taken) }) };
      }
      const slice = own.slice(skip, skip + page.limit - entries.length);
      entries.push(...slice);
      at = { SK: item.SK, taken: skip + slice.length };
      // The page is full inside this item: the rest of it is the next page's.
      if (at.taken < own.length) {
        return { items: entries, nextCursor: encodeCursor({ PK, SK: at.SK, taken: String(at.taken) }) };
      }
    }
    return { items: entries, nextCursor: null };
  }

  /**
   * A lead's history as items, newest (highest key) first, at or below `upper`: the
   * history items, with the entries on the lead item merged in as items of one entry
   * each. Reads a page at a time, as far as the caller iterates.
   */
  private async *historyItems(
    leadId: string,
    upper: string | undefined,
    limit: number,
  ): AsyncGenerator<{ SK: string; entries: HistoryEntry[] }> {
    const { PK, SKPrefix } = Keys.leadHistoryOf(leadId);
    const leadKey = Keys.lead(leadId);
    const onLead = (item: Item | undefined) =>
      ((item?.history as HistoryEntry[] | undefined) ?? [])
        .map((entry, i) => ({
          SK: `${SKPrefix}${entry.at}#w${String(i).padStart(3, '0')}`,
          entries: [entry],
        }))
        .filter((item) => upper === undefined || item.SK <= upper)
        // Newest key first: racing merges append their entries in arrival order, not in `at` order.
        .sort((a, b) => (a.SK < b.SK ? 1 : a.SK > b.SK ? -1 : 0));
    // The first page's Query reads the lead item too; a later page's range is below it.
    let window = upper === undefined ? undefined : this.getHistoryOnLead(leadKey).then(onLead);
    let exclusiveStart: Item | undefined;
    for (;;) {
      const { Items = [], LastEvaluatedKey } = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk AND SK BETWEEN :prefix AND :upper',
          ExpressionAttributeValues: { ':pk': PK, ':prefix': SKPrefix, ':upper': upper ?? leadKey.SK },
          ScanIndexForward: false,
          // The lead item, a page of items, and one more to know whether another page follows.
          Limit: limit + 2,
          ExclusiveStartKey: exclusiveStart,
        }),
      );
      const pending = window === undefined ? [] : await window;
      for (const item of Items) {
        if (item.SK === leadKey.SK) {
          pending.push(...onLead(item));
          continue;
        }
        const SK = String(item.SK);
        for (let next = pending[0]; next !== undefined && next.SK > SK; next = pending[0]) {
          pending.shift();
          yield next;
        }
        yield { SK, entries: (item.entries as HistoryEntry[] | undefined) ?? [] };
      }
      window = Promise.resolve(pending);
      if (LastEvaluatedKey === undefined) {
        yield* pending;
        return;
      }
      exclusiveStart = LastEvaluatedKey;
    }
  }

  private async getHistoryOnLead(key: Item): Promise<Item | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: key,
        ProjectionExpression: 'history',
      }),
    );
    return Item;
  }

  // a view of a supplier's leads (filters, sort, order) — the planner's driving index (byCreated, byUpdated,
  // byPartner, byStatus, byEmail, bySource, byPipeline), its partitions merged in rounds, the other fields a
  // FilterExpression (lead-query.ts); keyword-driven plans go to the search store when one is given
  async queryLeads(supplierId: string, filter: LeadFilter, page: PageQuery): Promise<Page<Lead>> {
    return this.views.queryLeads(supplierId, filter, page);
  }

  // list a supplier's leads, newest first — queryLeads with no filter (byCreated)
  async listLeads(supplierId: string, page: PageQuery): Promise<Page<Lead>> {
    return this.views.queryLeads(supplierId, ALL_LEADS, page);
  }

  // list the leads assigned to a partner now, newest first — queryLeads of that partner (byPartner)
  async listPartnerLeads(supplierId: string, partnerId: string, page: PageQuery): Promise<Page<Lead>> {
    return this.views.queryLeads(supplierId, { ...ALL_LEADS, partnerIds: [partnerId] }, page);
  }

  // waiting leads whose deadline is before `before`, oldest first — byDeadline, every shard queried
  async dueDeadlines(before: Date, limit: number): Promise<Lead[]> {
    const upper = `${before.toISOString()}#~`;
    const shards = await Promise.all(
      Array.from({ length: LEAD_SHARDS }, async (_, shard) => {
        const { Items = [] } = await this.db.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: Index.byDeadline.indexName,
            KeyConditionExpression: 'GSI3PK = :pk AND GSI3SK < :upper',
            ExpressionAttributeValues: { ':pk': Keys.deadlinesOf(shard).GSI3PK, ':upper': upper },
            Limit: limit,
          }),
        );
        return Items;
      }),
    );
    // The index holds keys alone: the leads found are read off the table, oldest deadline first. One
    // whose item no longer has that deadline key moved on since (decided, or waiting on a newer
    // deadline): left out, as its stale index entry would have been refused as stale.
    const found = shards
      .flat()
      .sort((a, b) => String(a.GSI3SK).localeCompare(String(b.GSI3SK)))
      .slice(0, limit);
    const leads = await this.getLeads(found.map((item) => String(item.PK).slice('LEAD#'.length)));
    return found.flatMap((item) => {
      const lead = leads.get(String(item.PK).slice('LEAD#'.length));
      return lead && leadItem(lead).GSI3SK === item.GSI3SK ? [lead] : [];
    });
  }

  // write the All Leads view's index keys onto a lead written before they existed (the backfill) — one
  // UpdateItem on LEAD#<id>, conditional on the version read; the version stays (nothing of the lead
  // changes), so a racing change wins and writes the keys itself. Answers whether it was written.
  async writeViewKeys(lead: Lead): Promise<boolean> {
    const keys = Object.entries(viewKeys(lead));
    try {
      await withRetries(() =>
        this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: Keys.lead(lead.id),
            UpdateExpression: `SET ${keys.map((_, i) => `#k${i} = :k${i}`).join(', ')}`,
            ConditionExpression: 'version = :expected',
            ExpressionAttributeNames: Object.fromEntries(keys.map(([name], i) => [`#k${i}`, name])),
            ExpressionAttributeValues: {
              ...Object.fromEntries(keys.map(([, value], i) => [`:k${i}`, value])),
              ':expected': lead.version,
            },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  // mark a lead whose deadline reroute keeps failing — one UpdateItem on LEAD#<id>, conditional on its version;
  // a flagged lead leaves byDeadline (its GSI3 keys removed) until a new assignment writes them again
  async recordRerouteFailure(
    leadId: string,
    expectedVersion: number,
    failure: NonNullable<Lead['rerouteFailure']>,
  ): Promise<Lead | undefined> {
    try {
      const { Attributes } = await withRetries(() =>
        this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: Keys.lead(leadId),
            UpdateExpression: `SET rerouteFailure = :failure ADD version :one${
              failure.flaggedAt === undefined ? '' : ' REMOVE GSI3PK, GSI3SK'
            }`,
            ConditionExpression: 'attribute_exists(PK) AND version = :expected',
            ExpressionAttributeValues: { ':failure': failure, ':one': 1, ':expected': expectedVersion },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return Attributes ? leadFromItem(Attributes) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  // a partner's Pending count — main table, BatchGetItem of the load items
  async partnerLoads(supplierId: string, partnerIds: readonly string[]): Promise<Map<string, number>> {
    const ids = [...new Set(partnerIds)];
    const byKey = new Map(ids.map((id) => [Keys.partnerLoad(supplierId, id).PK, id]));
    const loads = new Map(ids.map((id) => [id, 0]));
    for (const item of await this.batchGet(ids.map((id) => Keys.partnerLoad(supplierId, id)))) {
      const partnerId = byKey.get(String(item.PK));
      if (partnerId !== undefined) loads.set(partnerId, Number(item.pending ?? 0));
    }
    return loads;
  }

  // reserve blocks of counters — main table: the counters live on SEQUENCE_SHARDS items per supplier (by a
  // hash of the name), one atomic ADD per item touched, in parallel
  async reserveSequences(
    supplierId: string,
    counts: ReadonlyMap<string, number>,
  ): Promise<Map<string, number>> {
    const byShard = new Map<number, [string, number][]>();
    for (const [counter, count] of counts) {
      if (!Number.isInteger(count) || count < 1) {
        throw new Error(`count must be a positive integer, got ${count} for ${counter}`);
      }
      const shard = sequenceShard(counter);
      byShard.set(shard, [...(byShard.get(shard) ?? []), [counter, count]]);
    }
    const firsts = new Map<string, number>();
    await Promise.all(
      [...byShard].map(async ([shard, counters]) => {
        const names = Object.fromEntries(
          counters.map(([counter], i) => [`#c${i}`, sequenceAttribute(counter)]),
        );
        const values = Object.fromEntries(counters.map(([, count], i) => [`:c${i}`, count]));
        const { Attributes = {} } = await withRetries(() =>
          this.db.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: Keys.sequences(supplierId, shard),
              UpdateExpression: `SET entity = :entity, supplierId = :supplierId ADD version :one, ${counters
                .map((_, i) => `#c${i} :c${i}`)
                .join(', ')}`,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: {
                ':entity': Entity.sequences,
                ':supplierId': supplierId,
                ':one': 1,
                ...values,
              },
              ReturnValues: 'UPDATED_NEW',
            }),
          ),
        );
        for (const [counter, count] of counters) {
          firsts.set(counter, Number(Attributes[sequenceAttribute(counter)]) - count);
        }
      }),
    );
    return firsts;
  }

  private loadUpdates(leads: readonly Lead[], changes: readonly LoadChange[]): TransactItem[] {
    if (changes.length === 0) return [];
    const suppliers = new Set(leads.map((l) => l.supplierId));
    const [supplierId] = suppliers;
    if (suppliers.size !== 1 || supplierId === undefined) {
      throw new Error(
        "Load changes need the leads of exactly one supplier (the loads are that supplier's partners)",
      );
    }
    return changes.map((change) => loadUpdate(this.tableName, supplierId, change));
  }

  /**
   * Runs one transaction, retrying conflicts and throttling. Answers, per part in
   * order, whether it failed its condition (all false: written).
   */
  private async transact(items: TransactItem[]): Promise<boolean[]> {
    try {
      await withRetries(() => this.db.send(new TransactWriteCommand({ TransactItems: items })));
      return items.map(() => false);
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const failed = items.map((_, i) => error.CancellationReasons?.[i]?.Code === 'ConditionalCheckFailed');
        if (failed.includes(true)) return failed;
      }
      throw error;
    }
  }

  /** BatchGetItem over any number of keys (consistent reads), retrying UnprocessedKeys. */
  private batchGet(keys: Item[]): Promise<Item[]> {
    return batchGetItems(this.db, this.tableName, keys, { consistent: true });
  }
}
