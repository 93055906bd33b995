import { createHash } from 'node:crypto';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import {
  type Lead,
  type LeadFilter,
  type LeadPlan,
  matchesKeywords,
  type Page,
  type PageQuery,
  planLeadQuery,
  ValidationError,
} from '@leadrelay/core';
import { batchGetItems } from './batch-get';
import { DIM_SHARDS, Keys, LEAD_SHARDS } from './keys';
import { leadFromItem } from './lead-items';
import { Index, type IndexName } from './table';

type Item = Record<string, unknown>;

/**
 * A keyword-driven view query (the search store's token partitions): the same
 * filter, page and cursor shape (`encodeViewCursor`), sorted by createdAt.
 * queryLeads delegates to it when the planner chooses the keyword driver.
 */
export type SearchLeads = (supplierId: string, filter: LeadFilter, page: PageQuery) => Promise<Page<Lead>>;

/**
 * The view cursor: base64url JSON `{ s: supplierId, f: hash of the filter, k: the sort key
 * (`<date>#<leadId>`) of the last lead answered (or, for a page cut short, the point every
 * partition has been read past) }`. Every partition resumes strictly after `k`: the merge
 * answers leads in one total order (date, then id), so the leads before `k` are exactly
 * the ones already answered, whatever partition they came from. A lead inserted while
 * paging newest first is newer than `k`, so it is never answered in a later page and no
 * lead moves: nothing is skipped or repeated. With sort=updated a lead updated while
 * paging moves (its sort key changes): it may show again, or be missed.
 * A cursor reused with another supplier or filter is a 400. About 120 characters.
 */
interface ViewCursor {
  s: string;
  f: string;
  k: string;
}
const POSITION = /^[^#]+#[^#]+$/;

/** A filter's identity: the hash of its canonical JSON (sorted keys, as parsed). */
export function filterHash(filter: LeadFilter): string {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value !== null && typeof value === 'object'
        ? Object.fromEntries(
            Object.entries(value)
              .filter(([, v]) => v !== undefined)
              .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
              .map(([k, v]) => [k, canonical(v)]),
          )
        : value;
  return createHash('sha256')
    .update(JSON.stringify(canonical(filter)))
    .digest('base64url')
    .slice(0, 22);
}

export function encodeViewCursor(supplierId: string, filter: LeadFilter, key: string): string {
  const cursor: ViewCursor = { s: supplierId, f: filterHash(filter), k: key };
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

/** The sort key a cursor resumes after; a cursor of another supplier or filter (or none) is a 400. */
export function decodeViewCursor(
  cursor: string | undefined,
  supplierId: string,
  filter: LeadFilter,
): string | undefined {
  if (cursor === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  const { s, f, k } = (typeof value === 'object' && value !== null ? value : {}) as Partial<
    Record<keyof ViewCursor, unknown>
  >;
  if (s !== supplierId || f !== filterHash(filter) || typeof k !== 'string' || !POSITION.test(k)) {
    throw new ValidationError('Invalid cursor: pass the nextCursor of the previous page unchanged', [
      { path: 'cursor', message: 'not a cursor of this list' },
    ]);
  }
  return k;
}

/** One partition of the driving index as the merge reads it. */
interface Partition {
  pk: string;
  /** Matching items read and not answered yet, in the view's order. */
  buffer: Item[];
  /** Where the next Query starts (the last evaluated key). */
  lastKey: Item | undefined;
  /** The sort key of the last item evaluated: every unread item comes after it. */
  frontier: string | undefined;
  more: boolean;
  /** Items this page's Queries evaluated in the partition. */
  scanned: number;
}

/** Items one partition's Query may read in one round. */
const MAX_ROUND_LIMIT = 500;
/**
 * Items one page may read before it answers what it has (a post-filter that matches
 * few leads): the page is then shorter than `limit`, possibly empty, with a nextCursor.
 */
export const MAX_SCANNED_PER_PAGE = 5_000;
/** The first round reads 1.2 × need / partitions from each (measured: the fewest items read over the bench's filters). */
const FIRST_ROUND_SHARE = 1.2;
/** The lowest share of evaluated items a round expects to match (a post-filter's). */
const MIN_MATCH_RATE = 0.02;

/**
 * How many items each partition's next Query reads. The first round: ceil(1.2 × need /
 * partitions) from each. Later rounds estimate, from what each partition read so far
 * (items per millisecond of its sort date), the point T where `need` more leads are
 * expected (buffered ones and unread ones at the match rate), and read from every
 * partition with more to read up to about T; a partition that blocks the next lead
 * (nothing buffered) reads at least ceil(need / partitions) + 1.
 */
function roundLimits(
  partitions: readonly Partition[],
  blockers: readonly Partition[],
  need: number,
  view: {
    position: (key: string) => number;
    start: string | undefined;
    matchRate: number;
    sk: (item: Item) => string;
  },
): Map<Partition, number> {
  const active = partitions.filter((p) => p.more || p.buffer.length > 0).length || 1;
  const even = Math.min(MAX_ROUND_LIMIT, Math.ceil(need / active / view.matchRate) + 1);
  const limits = new Map<Partition, number>();
  const open = partitions.filter((p) => p.more);
  if (open.every((p) => p.frontier === undefined)) {
    const first = Math.min(MAX_ROUND_LIMIT, Math.ceil((FIRST_ROUND_SHARE * need) / active / view.matchRate));
    for (const p of open) limits.set(p, first);
    return limits;
  }
  // Positions grow in the view's order (ms, negated when newest first).
  const seen = partitions.flatMap((p) => [
    ...(p.frontier === undefined ? [] : [view.position(p.frontier)]),
    ...p.buffer.map((item) => view.position(view.sk(item))),
  ]);
  const origin = view.start === undefined ? Math.min(...seen) : view.position(view.start);
  const frontiers = open
    .filter((p) => p.frontier !== undefined)
    .map((p) => ({ p, at: view.position(p.frontier as string) }));
  // A partition whose few items are all near the origin would look infinitely dense: its span is
  // at least half the median one.
  const spans = frontiers.map(({ at }) => at - origin).sort((a, b) => a - b);
  const floor = Math.max(1, (spans[Math.floor(spans.length / 2)] ?? 0) / 2);
  const reading = frontiers.map(({ p, at }) => ({ p, at, rate: p.scanned / Math.max(at - origin, floor) }));
  const buffered = partitions.flatMap((p) => p.buffer.map((item) => view.position(view.sk(item))));
  const expected = (t: number) =>
    buffered.filter((x) => x <= t).length +
    reading.reduce((n, r) => n + (t > r.at ? r.rate * view.matchRate * (t - r.at) : 0), 0);
  // The smallest T with `need` leads expected up to it (binary search over positions).
  let lo = Math.min(...seen);
  let hi = Math.max(...seen) + 1;
  for (let i = 0; i < 60 && expected(hi) < need; i++) hi += (hi - lo) * 2 + 1;
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2;
    if (expected(mid) >= need) hi = mid;
    else lo = mid;
  }
  for (const { p, at, rate } of reading) {
    if (hi > at) limits.set(p, Math.min(MAX_ROUND_LIMIT, Math.max(1, Math.ceil(rate * (hi - at)) + 1)));
  }
  for (const p of blockers) if (!limits.has(p)) limits.set(p, even);
  return limits;
}

/** DynamoDB's limit of values in one IN. */
const MAX_IN = 100;

/**
 * The All Leads view on the single table: planLeadQuery picks the driving index, this
 * merges its partitions (shards × the filter's values) in rounds (roundLimits: small
 * Limits, sized from what the partitions read so far). A buffered lead is answered once it
 * comes before the frontier (last evaluated key) of every partition that has more to read
 * and nothing buffered (the "floor"); the rest waits for the next round. So a page reads
 * little more than it answers, and never a partition further than it must.
 */
export class LeadViewQuery {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly search?: SearchLeads,
  ) {}

  async queryLeads(supplierId: string, filter: LeadFilter, page: PageQuery): Promise<Page<Lead>> {
    const after = decodeViewCursor(page.cursor, supplierId, filter);
    const plan = planLeadQuery(filter, { keywordIndex: this.search !== undefined });
    if (plan.driver.index === 'none') return { items: [], nextCursor: null };
    if (plan.driver.index === 'keywords' && this.search) return this.search(supplierId, filter, page);
    const index = plan.driver.index === 'keywords' ? 'byCreated' : plan.driver.index;
    const partitions = partitionKeys(supplierId, plan).map(
      (pk): Partition => ({
        pk,
        buffer: [],
        lastKey: undefined,
        frontier: undefined,
        more: true,
        scanned: 0,
      }),
    );
    return this.merge(supplierId, filter, plan, index, partitions, after, page.limit);
  }

  private async merge(
    supplierId: string,
    filter: LeadFilter,
    plan: LeadPlan,
    index: IndexName,
    partitions: Partition[],
    after: string | undefined,
    limit: number,
  ): Promise<Page<Lead>> {
    const { indexName, partitionKey, sortKey } = Index[index];
    const desc = filter.order === 'desc';
    const sk = (item: Item) => String(item[sortKey]);
    /** Whether sort key a comes before b in the view's order. */
    const before = (a: string, b: string) => (desc ? a > b : a < b);
    const keyRange = this.keyRange(filter, plan, after, desc);
    if (keyRange === 'empty') return { items: [], nextCursor: null };
    const post = postFilter(filter, plan);
    const inMemory = plan.post.includes('keywords') ? (filter.keywords ?? []) : [];
    // An index that carries only the filtered attributes answers keys: the leads are read off the
    // table, for the page (or, when keywords are matched here, for each round, before matching).
    const whole = Index[index].projection === 'ALL';
    const hydrated = whole || inMemory.length > 0;
    const answer = async (items: Item[]) => (hydrated ? items : await this.itemsOf(items)).map(leadFromItem);

    const out: Item[] = [];
    let scanned = 0;
    let matched = 0;
    let last: string | undefined;
    for (;;) {
      // Answer every buffered lead that comes before the frontier of each partition with more to read.
      while (out.length < limit) {
        let best: Partition | undefined;
        for (const p of partitions) {
          const head = p.buffer[0];
          const bestHead = best?.buffer[0];
          if (head && (!bestHead || before(sk(head), sk(bestHead)))) best = p;
        }
        const head = best?.buffer[0];
        if (!best || !head) break;
        const key = sk(head);
        const blocked = partitions.some(
          (p) => p.more && p.buffer.length === 0 && (p.frontier === undefined || before(p.frontier, key)),
        );
        if (blocked) break;
        out.push(head);
        best.buffer.shift();
        last = key;
      }
      const exhausted = partitions.every((p) => !p.more && p.buffer.length === 0);
      if (out.length === limit || exhausted) {
        return {
          items: await answer(out),
          nextCursor: exhausted || last === undefined ? null : encodeViewCursor(supplierId, filter, last),
        };
      }
      const blockers = partitions.filter((p) => p.more && p.buffer.length === 0);
      if (scanned >= MAX_SCANNED_PER_PAGE) {
        // Cut short: resume after the point every partition has been read past (and nothing answered is after it).
        const reached = blockers
          .map((p) => p.frontier)
          .filter((f): f is string => f !== undefined)
          .sort((a, b) => (before(a, b) ? -1 : 1))[0];
        const resume = last ?? reached ?? after;
        return {
          items: await answer(out),
          nextCursor: resume === undefined ? null : encodeViewCursor(supplierId, filter, resume),
        };
      }
      const limits = roundLimits(partitions, blockers, limit - out.length, {
        position: (key) => (desc ? -1 : 1) * Date.parse(key.slice(0, key.indexOf('#'))),
        start: after,
        matchRate: scanned === 0 ? 1 : Math.max(matched / scanned, MIN_MATCH_RATE),
        sk,
      });
      await Promise.all(
        [...limits].map(async ([p, roundLimit]) => {
          const names: Record<string, string> = { '#pk': partitionKey, ...post.names };
          const values: Record<string, unknown> = { ':pk': p.pk, ...post.values };
          let condition = '#pk = :pk';
          if (keyRange.lo !== undefined || keyRange.hi !== undefined) {
            names['#sk'] = sortKey;
            if (keyRange.lo !== undefined) values[':lo'] = keyRange.lo;
            if (keyRange.hi !== undefined) values[':hi'] = keyRange.hi;
            condition +=
              keyRange.lo !== undefined && keyRange.hi !== undefined
                ? ' AND #sk BETWEEN :lo AND :hi'
                : keyRange.lo !== undefined
                  ? ' AND #sk >= :lo'
                  : ' AND #sk <= :hi';
          }
          const result = await this.db.send(
            new QueryCommand({
              TableName: this.tableName,
              IndexName: indexName,
              KeyConditionExpression: condition,
              ...(post.expression && { FilterExpression: post.expression }),
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
              ScanIndexForward: !desc,
              Limit: roundLimit,
              ExclusiveStartKey: p.lastKey,
            }),
          );
          const read = result.Items ?? [];
          const items = (whole || inMemory.length === 0 ? read : await this.itemsOf(read)).filter(
            // The bound is inclusive: the cursor's own lead is the previous page's.
            (item) =>
              sk(item) !== after &&
              (inMemory.length === 0 || matchesKeywords(leadFromItem(item) as Lead, inMemory)),
          );
          scanned += result.ScannedCount ?? 0;
          p.scanned += result.ScannedCount ?? 0;
          matched += items.length;
          p.buffer.push(...items);
          p.lastKey = result.LastEvaluatedKey;
          p.more = result.LastEvaluatedKey !== undefined;
          if (result.LastEvaluatedKey) p.frontier = String(result.LastEvaluatedKey[sortKey]);
        }),
      );
    }
  }

  /**
   * The table's items behind index items (their PK and SK), in the same order; one deleted since
   * the index answered it is left out. Eventually consistent, as the index read before it.
   */
  private async itemsOf(items: readonly Item[]): Promise<Item[]> {
    const key = (item: Item) => `${String(item.PK)}\u0000${String(item.SK)}`;
    const keys = items.map((item) => ({ PK: item.PK, SK: item.SK }));
    const byKey = new Map(
      (await batchGetItems(this.db, this.tableName, keys, { consistent: false })).map((item) => [
        key(item),
        item,
      ]),
    );
    return items.flatMap((item) => {
      const found = byKey.get(key(item));
      return found ? [found] : [];
    });
  }

  /** The driving Query's sort key bounds (inclusive): the date range when on the key, and the cursor. */
  private keyRange(
    filter: LeadFilter,
    plan: LeadPlan,
    after: string | undefined,
    desc: boolean,
  ): { lo?: string; hi?: string } | 'empty' {
    let lo = plan.rangeOnKey ? filter.from : undefined;
    let hi = plan.rangeOnKey && filter.to !== undefined ? `${filter.to}#~` : undefined;
    if (after !== undefined) {
      if (desc) hi = hi === undefined || after < hi ? after : hi;
      else lo = lo === undefined || after > lo ? after : lo;
    }
    if (lo !== undefined && hi !== undefined && lo > hi) return 'empty';
    return { ...(lo !== undefined && { lo }), ...(hi !== undefined && { hi }) };
  }
}

/** The driving index's partitions for a plan (every shard of every value). */
function partitionKeys(supplierId: string, plan: LeadPlan): string[] {
  const shards = (n: number) => Array.from({ length: n }, (_, i) => i);
  const driver = plan.driver;
  switch (driver.index) {
    case 'byUpdated':
      return [
        ...(driver.own?.only
          ? []
          : shards(LEAD_SHARDS).map((s) => Keys.leadsUpdatedOf(supplierId, s).GSI4PK)),
        ...(driver.own?.partnerIds ?? []).flatMap((pid) =>
          shards(DIM_SHARDS).map((s) => Keys.ownLeadsUpdatedOf(supplierId, pid, s).GSI4PK),
        ),
      ];
    case 'byPartner':
      return [
        ...(driver.own?.only
          ? []
          : driver.partnerIds.flatMap((pid) =>
              shards(LEAD_SHARDS).map((s) => Keys.leadsOfPartner(supplierId, pid, s).GSI2PK),
            )),
        ...(driver.own?.partnerIds ?? []).flatMap((pid) =>
          shards(DIM_SHARDS).map((s) => Keys.ownLeadsOfPartner(supplierId, pid, s).GSI2PK),
        ),
      ];
    case 'byStatus':
      return driver.statuses.flatMap((v) =>
        shards(DIM_SHARDS).map((s) => Keys.leadsOfStatus(supplierId, v, s).GSI5PK),
      );
    case 'byEmail':
      return driver.emailStatuses.flatMap((v) =>
        shards(DIM_SHARDS).map((s) => Keys.leadsOfEmail(supplierId, v, s).GSI6PK),
      );
    case 'bySource':
      return driver.pairs.flatMap(({ type, source }) =>
        shards(DIM_SHARDS).map((s) => Keys.leadsOfSource(supplierId, type, source, s).GSI7PK),
      );
    case 'byPipeline':
      return driver.pipelineStatuses.flatMap((v) =>
        shards(DIM_SHARDS).map((s) => Keys.leadsOfPipeline(supplierId, v, s).GSI8PK),
      );
    case 'byConflict':
      return [Keys.leadsInConflict(supplierId).GSI9PK];
    default:
      return shards(LEAD_SHARDS).map((s) => Keys.leadsOf(supplierId, s).GSI1PK);
  }
}

/** The plan's post-filters (but keywords) as a FilterExpression on the lead's own attributes. */
function postFilter(
  filter: LeadFilter,
  plan: LeadPlan,
): { expression?: string; names: Record<string, string>; values: Record<string, unknown> } {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const parts: string[] = [];
  const oneOf = (name: string, attribute: string, allowed: readonly string[]) => {
    names[`#${name}`] = attribute;
    const groups: string[] = [];
    for (let i = 0; i < allowed.length; i += MAX_IN) {
      const refs = allowed.slice(i, i + MAX_IN).map((v, j) => {
        values[`:${name}${i + j}`] = v;
        return `:${name}${i + j}`;
      });
      groups.push(`#${name} IN (${refs.join(', ')})`);
    }
    parts.push(groups.length === 1 ? (groups[0] ?? '') : `(${groups.join(' OR ')})`);
  };
  for (const field of plan.post) {
    switch (field) {
      case 'date': {
        names['#date'] = filter.dateField === 'created' ? 'createdAt' : 'updatedAt';
        if (filter.from !== undefined) {
          values[':from'] = filter.from;
          parts.push('#date >= :from');
        }
        if (filter.to !== undefined) {
          values[':to'] = filter.to;
          parts.push('#date <= :to');
        }
        break;
      }
      case 'types':
        oneOf('type', 'type', filter.types ?? []);
        break;
      case 'statuses':
        oneOf('status', 'distributionStatus', filter.statuses ?? []);
        break;
      case 'emailStatuses':
        oneOf('email', 'emailStatus', filter.emailStatuses ?? []);
        break;
      case 'pipelineStatuses':
        oneOf('pipeline', 'pipelineStatus', filter.pipelineStatuses ?? []);
        break;
      case 'partnerIds':
        oneOf('partner', 'partnerId', filter.partnerIds ?? []);
        break;
      case 'sources':
        oneOf('source', 'source', filter.sources ?? []);
        break;
      case 'conflict':
        names['#conflict'] = 'conflict';
        parts.push(filter.conflict ? 'attribute_exists(#conflict)' : 'attribute_not_exists(#conflict)');
        break;
      case 'registrations': {
        names['#registration'] = 'registration';
        names['#registrationStatus'] = 'status';
        const refs = (filter.registrations ?? []).map((v, i) => {
          values[`:registration${i}`] = v;
          return `:registration${i}`;
        });
        parts.push(`#registration.#registrationStatus IN (${refs.join(', ')})`);
        break;
      }
      default:
        break;
    }
  }
  return parts.length === 0 ? { names, values } : { expression: parts.join(' AND '), names, values };
}
