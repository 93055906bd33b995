import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  type ApplyOutcome,
  COUNT_PREFIX,
  ConflictError,
  type Contribution,
  type CounterDelta,
  type CounterItem,
  contributionDelta,
  type LeadReportUpdate,
  monthInRange,
  type ReadCost,
  type ReportRange,
  type ReportStore,
  VALUE_PREFIX,
  withMonthRollups,
} from '@leadrelay/core';
import { Entity, Keys } from './keys';
import { chunks, withRetries } from './retries';

type Item = Record<string, unknown>;
type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** DynamoDB's limits: items per transaction, keys per BatchGetItem. */
const MAX_TRANSACTION_ITEMS = 100;
const MAX_BATCH_GET_KEYS = 100;
/**
 * Counter attributes one transaction may ADD to one counter item: keeps the update
 * expression well under its 4 KB (`#aN :aN, ` per attribute).
 */
const MAX_ATTRIBUTES_PER_UPDATE = 200;
/** Month partitions of a report's range read at once. */
const READ_CONCURRENCY = 8;
/** One lead alone, after its batch lost a race: re-read and retried this often. */
const MAX_LEAD_ATTEMPTS = 8;

function isConditionFailure(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error instanceof TransactionCanceledException &&
      (error.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed'))
  );
}

/** The months (YYYY-MM) a range of days touches, oldest first. */
function monthsOf(range: ReportRange): string[] {
  const months: string[] = [];
  let [year, month] = range.from.slice(0, 7).split('-').map(Number) as [number, number];
  const last = range.to.slice(0, 7);
  for (;;) {
    const m = `${year}-${String(month).padStart(2, '0')}`;
    months.push(m);
    if (m >= last) return months;
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
  }
}

/** The supplier's report generations: reports read `current`; `building` is being rebuilt. */
export interface ReportGenerations {
  current: number;
  building?: number;
  version: number;
}

/** A lead's contribution as applied to one generation (the LeadReported item). */
interface Applied {
  version: number;
  contribution: Contribution | undefined;
}

/** One lead's move on the counters: its new state, what was applied before, the counter changes. */
interface Plan {
  update: LeadReportUpdate;
  before: Applied | undefined;
  deltas: CounterDelta[];
}

/**
 * The report counters on the single table (keys.ts: ReportMeta, ReportCounter,
 * LeadReported). See the key table for the design: counter items per supplier ×
 * generation × day × partner in month partitions, and per lead the contribution it
 * applied, so every change moves exactly its own contribution, once.
 */
export class DynamoReportStore implements ReportStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  // the supplier's generations — main table, GetItem (consistent: a rebuild that just began must be seen)
  async generations(supplierId: string): Promise<ReportGenerations> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: Keys.reportMeta(supplierId), ConsistentRead: true }),
    );
    if (!Item) return { current: 0, version: 0 };
    return {
      current: Number(Item.current),
      ...(Item.building !== undefined ? { building: Number(Item.building) } : {}),
      version: Number(Item.version),
    };
  }

  // apply leads' states — BatchGetItem of their LeadReported items, then TransactWriteItems of ≤ 100 items:
  // each lead's LeadReported put (conditional on the version read) and the counter items' ADDs, merged per item
  async applyLeads(
    supplierId: string,
    updates: readonly LeadReportUpdate[],
    generations?: readonly number[],
  ): Promise<ApplyOutcome> {
    const outcome: ApplyOutcome = { applied: 0, skipped: 0 };
    if (updates.length === 0) return outcome;
    let targets = generations;
    if (targets === undefined) {
      const meta = await this.generations(supplierId);
      targets = meta.building === undefined ? [meta.current] : [meta.current, meta.building];
    }
    for (const generation of targets) {
      const done = await this.applyToGeneration(supplierId, generation, updates);
      outcome.applied += done.applied;
      outcome.skipped += done.skipped;
    }
    return outcome;
  }

  private async applyToGeneration(
    supplierId: string,
    generation: number,
    updates: readonly LeadReportUpdate[],
  ): Promise<ApplyOutcome> {
    const applied = await this.appliedStates(
      updates.map((u) => u.leadId),
      generation,
    );
    const plans: Plan[] = [];
    let skipped = 0;
    // One state per lead, its newest (a transaction may touch an item once).
    const newest = new Map<string, LeadReportUpdate>();
    for (const update of updates) {
      const seen = newest.get(update.leadId);
      if (seen === undefined || seen.version < update.version) newest.set(update.leadId, update);
    }
    skipped += updates.length - newest.size;
    for (const update of newest.values()) {
      const before = applied.get(update.leadId);
      if (before && before.version >= update.version) skipped += 1;
      else
        plans.push({ update, before, deltas: contributionDelta(before?.contribution, update.contribution) });
    }
    let appliedCount = 0;
    for (const group of packTransactions(plans)) {
      try {
        await withRetries(() =>
          this.db.send(
            new TransactWriteCommand({ TransactItems: this.transactionParts(supplierId, generation, group) }),
          ),
        );
        appliedCount += group.length;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // Another writer (the rebuild, a concurrent batch) moved one of these leads: one lead at a time.
        for (const plan of group) {
          if (await this.applyOne(supplierId, generation, plan.update)) appliedCount += 1;
          else skipped += 1;
        }
      }
    }
    return { applied: appliedCount, skipped };
  }

  /** One lead alone: re-read what is applied, and move it if the update is newer; false when it is not. */
  private async applyOne(supplierId: string, generation: number, update: LeadReportUpdate): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const before = (await this.appliedStates([update.leadId], generation)).get(update.leadId);
      if (before && before.version >= update.version) return false;
      const plan = { update, before, deltas: contributionDelta(before?.contribution, update.contribution) };
      try {
        await withRetries(() =>
          this.db.send(
            new TransactWriteCommand({
              TransactItems: this.transactionParts(supplierId, generation, [plan]),
            }),
          ),
        );
        return true;
      } catch (error) {
        if (!isConditionFailure(error) || attempt >= MAX_LEAD_ATTEMPTS) throw error;
      }
    }
  }

  /** The LeadReported states of leads in a generation (consistent reads). */
  private async appliedStates(leadIds: readonly string[], generation: number): Promise<Map<string, Applied>> {
    const found = new Map<string, Applied>();
    for (const keys of chunks(
      [...new Set(leadIds)].map((id) => Keys.leadReported(id, generation)),
      MAX_BATCH_GET_KEYS,
    )) {
      let pending: Item[] = keys;
      for (let round = 1; pending.length > 0; round++) {
        if (round > 20) throw new Error(`BatchGetItem left ${pending.length} keys unprocessed`);
        if (round > 1)
          await new Promise((r) => setTimeout(r, Math.random() * Math.min(1_000, 20 * 2 ** round)));
        const { Responses, UnprocessedKeys } = await this.db.send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } },
          }),
        );
        for (const item of Responses?.[this.tableName] ?? []) {
          const contribution = item.contribution as Contribution | null | undefined;
          found.set(String(item.leadId), {
            version: Number(item.version),
            contribution: contribution ?? undefined,
          });
        }
        pending = UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    }
    return found;
  }

  private transactionParts(supplierId: string, generation: number, plans: readonly Plan[]): TransactItem[] {
    const parts: TransactItem[] = plans.map(({ update, before }) => ({
      Put: {
        TableName: this.tableName,
        Item: {
          ...Keys.leadReported(update.leadId, generation),
          entity: Entity.leadReported,
          supplierId,
          leadId: update.leadId,
          generation,
          version: update.version,
          contribution: update.contribution ?? null,
        },
        ...(before
          ? {
              ConditionExpression: 'version = :applied',
              ExpressionAttributeValues: { ':applied': before.version },
            }
          : { ConditionExpression: 'attribute_not_exists(PK)' }),
      },
    }));
    for (const delta of withMonthRollups(plans.flatMap((p) => p.deltas))) {
      const names: Record<string, string> = { '#day': 'day' };
      const values: Record<string, unknown> = {
        ':entity': Entity.reportCounter,
        ':supplierId': supplierId,
        ':generation': generation,
        ':day': delta.day,
        ':partnerId': delta.partnerId,
        ':one': 1,
      };
      const adds = Object.entries(delta.add).map(([attr, amount], i) => {
        names[`#a${i}`] = attr;
        values[`:a${i}`] = amount;
        return `#a${i} :a${i}`;
      });
      parts.push({
        Update: {
          TableName: this.tableName,
          Key: Keys.reportCounter(supplierId, generation, delta.day, delta.partnerId),
          UpdateExpression: `SET entity = :entity, supplierId = :supplierId, generation = :generation, #day = :day, partnerId = :partnerId ADD ${adds.join(', ')}, version :one`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      });
    }
    return parts;
  }

  // a report's counters — one Query per month partition the range touches, parallel (≤ READ_CONCURRENCY), every
  // page: a month the range covers whole, its roll-ups (begins_with MONTH#); an edge month, SK between its days;
  // items read = (edge days + whole months) × partners with leads
  async readCounters(
    supplierId: string,
    range: ReportRange,
  ): Promise<{ items: CounterItem[]; cost: ReadCost }> {
    const { current } = await this.generations(supplierId);
    const cost: ReadCost = { requests: 1, items: 0, capacityUnits: 0.5 };
    const items: CounterItem[] = [];
    for (const months of chunks(monthsOf(range), READ_CONCURRENCY)) {
      const read = await Promise.all(
        months.map((month) => this.readMonth(supplierId, current, month, range, cost)),
      );
      items.push(...read.flat());
    }
    return { items, cost };
  }

  /** A month's counters: its roll-ups when the range covers it whole, else its days in the range. */
  private async readMonth(
    supplierId: string,
    generation: number,
    month: string,
    range: ReportRange,
    cost: ReadCost,
  ): Promise<CounterItem[]> {
    const found: CounterItem[] = [];
    const pk = Keys.reportCountersOf(supplierId, generation, month).PK;
    const whole = monthInRange(month, range);
    let start: Item | undefined;
    do {
      const answer = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: whole
            ? 'PK = :pk AND begins_with(SK, :rollups)'
            : 'PK = :pk AND SK BETWEEN :from AND :to',
          ExpressionAttributeValues: whole
            ? { ':pk': pk, ':rollups': Keys.reportMonthRollups }
            : {
                ':pk': pk,
                ':from': Keys.reportCounterSK(range.from, ''),
                ':to': Keys.reportCounterSK(range.to, '~'),
              },
          ExclusiveStartKey: start,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      cost.requests += 1;
      cost.items += answer.ScannedCount ?? 0;
      cost.capacityUnits += answer.ConsumedCapacity?.CapacityUnits ?? 0;
      for (const item of answer.Items ?? []) {
        const measures: Record<string, number> = {};
        for (const [attr, value] of Object.entries(item)) {
          if (attr.startsWith(COUNT_PREFIX) || attr.startsWith(VALUE_PREFIX)) measures[attr] = Number(value);
        }
        found.push({ day: String(item.day), partnerId: String(item.partnerId), measures });
      }
      start = answer.LastEvaluatedKey;
    } while (start);
    return found;
  }

  // begin a rebuild — main table, conditional UpdateItem of the meta item: building = the highest generation + 1
  async startRebuild(supplierId: string): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const meta = await this.generations(supplierId);
      const next = Math.max(meta.current, meta.building ?? meta.current) + 1;
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: Keys.reportMeta(supplierId),
            UpdateExpression:
              'SET entity = :entity, supplierId = :supplierId, #current = if_not_exists(#current, :zero), building = :next ADD version :one',
            ConditionExpression: meta.version === 0 ? 'attribute_not_exists(PK)' : 'version = :version',
            ExpressionAttributeNames: { '#current': 'current' },
            ExpressionAttributeValues: {
              ':entity': Entity.reportMeta,
              ':supplierId': supplierId,
              ':zero': 0,
              ':next': next,
              ':one': 1,
              ...(meta.version === 0 ? {} : { ':version': meta.version }),
            },
          }),
        );
        return next;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException) || attempt >= 5) throw error;
      }
    }
  }

  // finish a rebuild — main table, UpdateItem of the meta item, conditional on the generation still building
  async finishRebuild(supplierId: string, generation: number): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: Keys.reportMeta(supplierId),
          UpdateExpression: 'SET #current = :generation REMOVE building ADD version :one',
          ConditionExpression: 'building = :generation',
          ExpressionAttributeNames: { '#current': 'current' },
          ExpressionAttributeValues: { ':generation': generation, ':one': 1 },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new ConflictError(`Report generation ${generation} is no longer the one being rebuilt`);
      }
      throw error;
    }
  }
}

/**
 * Leads in transactions of at most MAX_TRANSACTION_ITEMS items (one LeadReported put
 * each, plus each counter item the group touches, day or month roll-up, once) and at most
 * MAX_ATTRIBUTES_PER_UPDATE attributes on one counter item, in order.
 */
function packTransactions(plans: readonly Plan[]): Plan[][] {
  const groups: Plan[][] = [];
  let group: Plan[] = [];
  let counters = new Map<string, number>();
  for (const plan of plans) {
    const next = new Map(counters);
    for (const d of withMonthRollups(plan.deltas)) {
      const key = `${d.day}/${d.partnerId}`;
      next.set(key, (next.get(key) ?? 0) + Object.keys(d.add).length);
    }
    const fits =
      group.length + 1 + next.size <= MAX_TRANSACTION_ITEMS &&
      [...next.values()].every((n) => n <= MAX_ATTRIBUTES_PER_UPDATE);
    if (!fits && group.length > 0) {
      groups.push(group);
      group = [];
      counters = new Map();
      for (const d of withMonthRollups(plan.deltas)) {
        const key = `${d.day}/${d.partnerId}`;
        counters.set(key, (counters.get(key) ?? 0) + Object.keys(d.add).length);
      }
    } else counters = next;
    group.push(plan);
  }
  if (group.length > 0) groups.push(group);
  return groups;
}
