import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  compareLeads,
  drivingKeyword,
  type KeywordAccess,
  type Lead,
  type LeadFilter,
  type LeadTokenState,
  leadDate,
  matchesFilter,
  type Page,
  type PageQuery,
  type SearchTokenStore,
  type TokenLead,
  type TokenPut,
  ValidationError,
} from '@leadrelay/core';
import { Entity, Keys } from './keys';
import { filterHash } from './lead-query';
import { DynamoLeadStore } from './lead-store';
import { backoff, chunks } from './retries';

type Item = Record<string, unknown>;
type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

/** DynamoDB's limit of requests per BatchWriteItem. */
const MAX_BATCH_WRITE = 25;
/** BatchWriteItem calls in flight at once for one lead's tokens. */
const BATCH_WRITE_CONCURRENCY = 4;
const MAX_BATCH_ROUNDS = 20;

/** Token items read by one Query of a search at most (a round), and at least. */
const MAX_ROUND = 1_000;
const MIN_ROUND = 10;
/** Leads fetched per BatchGetItem slice at most. */
const MAX_BATCH_GET = 100;
/** The lowest pass rate a round is sized by (so a round stays at most 50 times what is missing). */
const MIN_PASS_RATE = 0.02;

/**
 * What one page may read before it answers with what it found (fewer than `limit`
 * leads, maybe none, and a cursor that goes on): token items, and leads fetched
 * (LEADS_PER_PAGE_FACTOR × limit, at least MIN_LEAD_BUDGET). Keywords whose other
 * keywords or filters reject nearly every candidate would otherwise read their whole
 * partition in one request.
 */
export const MAX_TOKENS_PER_PAGE = 10_000;
const LEADS_PER_PAGE_FACTOR = 10;
const MIN_LEAD_BUDGET = 500;

/**
 * A keyword search sorted by update time reads its whole match set (the token
 * partitions are in creation order) and sorts it in memory: only up to this many
 * token items. Beyond, it is a 400 on `sort`; the All Leads planner drives such a
 * query by the byUpdated index and checks the keywords on each lead instead.
 */
export const MAX_SORTED_IN_MEMORY = 1_000;

/** A search sorted by update time that matches too many leads to sort (see MAX_SORTED_IN_MEMORY). */
export class SearchTooBroadForSort extends ValidationError {
  constructor() {
    super(
      `Keywords match more than ${MAX_SORTED_IN_MEMORY} leads: sort by created, or add keywords or filters`,
      [{ path: 'sort', message: `sort=updated with q serves at most ${MAX_SORTED_IN_MEMORY} matches` }],
    );
  }
}

/** The words attribute of a token item: space-delimited, with a space at both ends (see prefixNeedle). */
export function tokenWords(words: readonly string[]): string {
  return ` ${words.join(' ')} `;
}

/** What `contains(words, …)` looks for: a word beginning with the prefix (words are letters and digits only). */
function prefixNeedle(prefix: string): string {
  return ` ${prefix}`;
}

/**
 * The search cursor: base64url JSON `{ s: supplierId, f: filterHash, p: [position] }`,
 * the shape of the lead lists' (one partition here). A position is the sort key of
 * the last token item taken (`<createdAt>#<leadId>`; sort=updated: `<updatedAt>#<leadId>`
 * of the last lead returned).
 */
const POSITION = /^[^#]+#[^#]+$/;

function encodeSearchCursor(supplierId: string, filter: LeadFilter, position: string): string {
  return Buffer.from(
    JSON.stringify({ s: supplierId, f: filterHash(filter), p: [position] }),
    'utf8',
  ).toString('base64url');
}

function decodeSearchCursor(
  cursor: string | undefined,
  supplierId: string,
  filter: LeadFilter,
): string | null {
  if (cursor === undefined) return null;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  const { s, f, p } = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const position = Array.isArray(p) && p.length === 1 ? p[0] : undefined;
  if (
    s !== supplierId ||
    f !== filterHash(filter) ||
    typeof position !== 'string' ||
    !POSITION.test(position)
  ) {
    throw new ValidationError('Invalid cursor: pass the nextCursor of the previous page unchanged', [
      { path: 'cursor', message: 'not a cursor of this list' },
    ]);
  }
  return position;
}

/** One token partition's access for a search: the partition, the key range, the words filter. */
export interface TokenAccess extends KeywordAccess {
  /** The partition key (main table PK). */
  pk: string;
  /** The FilterExpression's needle on `words` (when the keyword is longer than its gram). */
  needle?: string;
}

/**
 * The token index (keys.ts: LeadToken, LeadTokens): the stream side's store (core
 * SearchTokenStore) and keyword search, `searchLeads`, driven by one keyword's token
 * partition, every other part of the filter checked on the leads fetched
 * (BatchGetItem), as core's matchesFilter defines it.
 */
export class DynamoSearchStore implements SearchTokenStore {
  private readonly leads: DynamoLeadStore;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.leads = new DynamoLeadStore(db, tableName);
  }

  // ------------------------------------------------------------ the stream side

  // a lead's token state — GetItem LEAD#<id> / TOKENS, consistent
  async tokenState(leadId: string): Promise<LeadTokenState | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: Keys.leadTokens(leadId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return {
      version: Number(Item.version),
      rev: Number(Item.rev),
      grams: (Item.grams ?? {}) as Record<string, string>,
    };
  }

  // a lead's token items — BatchWriteItem puts and deletes, 25 at a time, UnprocessedItems retried
  async writeTokens(lead: TokenLead, puts: readonly TokenPut[], deletes: readonly string[]): Promise<void> {
    const requests: WriteRequest[] = [
      ...puts.map((p) => ({
        PutRequest: {
          Item: {
            ...Keys.leadToken(lead.supplierId, p.gram, lead.createdAt, lead.id),
            entity: Entity.leadToken,
            leadId: lead.id,
            createdAt: lead.createdAt,
            words: tokenWords(p.words),
            version: lead.version,
          },
        },
      })),
      ...deletes.map((gram) => ({
        DeleteRequest: { Key: Keys.leadToken(lead.supplierId, gram, lead.createdAt, lead.id) },
      })),
    ];
    for (const group of chunks(chunks(requests, MAX_BATCH_WRITE), BATCH_WRITE_CONCURRENCY)) {
      await Promise.all(group.map((chunk) => this.batchWrite(chunk)));
    }
  }

  // the lead's token state — PutItem LEAD#<id> / TOKENS, conditional on the rev read
  async commitTokenState(
    leadId: string,
    state: LeadTokenState,
    expectedRev: number | undefined,
  ): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...Keys.leadTokens(leadId), entity: Entity.leadTokens, leadId, ...state },
          ...(expectedRev === undefined
            ? { ConditionExpression: 'attribute_not_exists(PK)' }
            : { ConditionExpression: 'rev = :rev', ExpressionAttributeValues: { ':rev': expectedRev } }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async currentLead(leadId: string): Promise<Lead | undefined> {
    return this.leads.getLead(leadId);
  }

  private async batchWrite(requests: WriteRequest[]): Promise<void> {
    let pending = requests;
    for (let round = 1; pending.length > 0; round++) {
      if (round > MAX_BATCH_ROUNDS) {
        throw new Error(
          `BatchWriteItem left ${pending.length} requests unprocessed after ${MAX_BATCH_ROUNDS} rounds`,
        );
      }
      if (round > 1) await backoff(round);
      const { UnprocessedItems } = await this.db.send(
        new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }),
      );
      pending = UnprocessedItems?.[this.tableName] ?? [];
    }
  }

  // ------------------------------------------------------------ the query side

  /** The token partition and post-filter a keyword search is driven by (undefined: no keywords). */
  static access(supplierId: string, keywords: readonly string[]): TokenAccess | undefined {
    const driver = drivingKeyword(keywords);
    if (driver === undefined) return undefined;
    return {
      ...driver,
      pk: Keys.tokensOf(supplierId, driver.gram).PK,
      ...(driver.prefix !== undefined && { needle: prefixNeedle(driver.prefix) }),
    };
  }

  /**
   * A page of a supplier's leads that pass `filter` (which names keywords), in the
   * filter's order. sort=created (either order): the driving keyword's token partition
   * is read in that order from the cursor's position, in rounds sized by what passed
   * so far, and the candidates' leads are fetched (BatchGetItem) as many as the page
   * still needs; each lead is checked with matchesFilter (the other keywords, the
   * other fields, and the text as it is now: a token item may be older than its
   * lead). A created range narrows the partition's key range. A page reads at most
   * MAX_TOKENS_PER_PAGE token items and 10 × limit leads (at least 500): past that it
   * answers what it found, maybe fewer than `limit`, with a cursor that goes on (the
   * list ends only at a null nextCursor). sort=updated: the whole
   * match set is read (at most MAX_SORTED_IN_MEMORY token items, else a 400 on
   * `sort`) and sorted in memory; each page reads it again.
   */
  async searchLeads(supplierId: string, filter: LeadFilter, page: PageQuery): Promise<Page<Lead>> {
    const access = DynamoSearchStore.access(supplierId, filter.keywords ?? []);
    if (access === undefined) throw new Error('searchLeads needs a filter with keywords');
    const position = decodeSearchCursor(page.cursor, supplierId, filter);
    return filter.sort === 'created'
      ? this.searchByCreated(supplierId, filter, page.limit, access, position)
      : this.searchSortedInMemory(supplierId, filter, page.limit, access, position);
  }

  private async searchByCreated(
    supplierId: string,
    filter: LeadFilter,
    limit: number,
    access: TokenAccess,
    position: string | null,
  ): Promise<Page<Lead>> {
    const found: Lead[] = [];
    /** The last candidate checked, and where the partition's reading stopped. */
    let lastTaken = position;
    let start = position;
    let exhausted = false;
    /** Candidates read but not yet checked, in order. */
    let candidates: Item[] = [];
    const seen = { tokens: 0, passed: 0, fetched: 0, matched: 0 };
    const leadBudget = Math.max(LEADS_PER_PAGE_FACTOR * limit, MIN_LEAD_BUDGET);
    const rate = (part: number, whole: number) => (whole === 0 ? 1 : Math.max(part / whole, MIN_PASS_RATE));
    while (found.length < limit) {
      const need = limit - found.length;
      if (candidates.length === 0) {
        if (exhausted || seen.tokens >= MAX_TOKENS_PER_PAGE || seen.fetched >= leadBudget) break;
        const wanted = (need + 1) / rate(seen.passed, seen.tokens) / rate(seen.matched, seen.fetched);
        const size = Math.min(MAX_ROUND, Math.max(MIN_ROUND, Math.ceil(wanted)));
        const round = await this.queryTokens(filter, access, start, size);
        seen.tokens += round.scanned;
        seen.passed += round.items.length;
        candidates = round.items;
        start = round.last ?? start;
        exhausted = round.last === undefined;
        continue;
      }
      if (seen.fetched >= leadBudget) break;
      const slice = Math.min(MAX_BATCH_GET, Math.ceil(need / rate(seen.matched, seen.fetched)));
      const take = candidates.splice(0, slice);
      const leads = await this.leads.getLeads(take.map((t) => String(t.leadId)));
      seen.fetched += take.length;
      for (const [i, token] of take.entries()) {
        const lead = leads.get(String(token.leadId));
        if (lead && lead.supplierId === supplierId && matchesFilter(lead, filter)) {
          found.push(lead);
          seen.matched++;
        }
        lastTaken = String(token.SK);
        if (found.length === limit) {
          // The rest of this slice goes back: the next page reads it again.
          candidates = [...take.slice(i + 1), ...candidates];
          break;
        }
      }
    }
    // Unchecked candidates: resume after the last one checked; none: after what the Query read.
    const resume = candidates.length > 0 ? lastTaken : start;
    const more = candidates.length > 0 || !exhausted;
    return {
      items: found,
      nextCursor: more && resume !== null ? encodeSearchCursor(supplierId, filter, resume) : null,
    };
  }

  /** One Query of the token partition: the candidates that passed the words filter, and where it stopped. */
  private async queryTokens(
    filter: LeadFilter,
    access: TokenAccess,
    after: string | null,
    limit: number,
  ): Promise<{ items: Item[]; scanned: number; last: string | undefined }> {
    const values: Item = { ':pk': access.pk };
    let range = '';
    const from = filter.dateField === 'created' ? filter.from : undefined;
    const to = filter.dateField === 'created' ? filter.to : undefined;
    if (from !== undefined && to !== undefined) {
      range = ' AND SK BETWEEN :from AND :to';
      Object.assign(values, { ':from': from, ':to': `${to}#~` });
    } else if (from !== undefined) {
      range = ' AND SK >= :from';
      values[':from'] = from;
    } else if (to !== undefined) {
      range = ' AND SK <= :to';
      values[':to'] = `${to}#~`;
    }
    if (access.needle !== undefined) values[':needle'] = access.needle;
    const {
      Items = [],
      ScannedCount = 0,
      LastEvaluatedKey,
    } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: `PK = :pk${range}`,
        ...(access.needle !== undefined && {
          FilterExpression: 'contains(#words, :needle)',
          ExpressionAttributeNames: { '#words': 'words' },
        }),
        ExpressionAttributeValues: values,
        ScanIndexForward: filter.order === 'asc',
        Limit: limit,
        ExclusiveStartKey: after === null ? undefined : { PK: access.pk, SK: after },
      }),
    );
    return { items: Items, scanned: ScannedCount, last: LastEvaluatedKey?.SK as string | undefined };
  }

  private async searchSortedInMemory(
    supplierId: string,
    filter: LeadFilter,
    limit: number,
    access: TokenAccess,
    position: string | null,
  ): Promise<Page<Lead>> {
    const tokens: Item[] = [];
    let start: string | null = null;
    for (;;) {
      const round = await this.queryTokens({ ...filter, order: 'desc' }, access, start, MAX_ROUND);
      tokens.push(...round.items);
      if (tokens.length > MAX_SORTED_IN_MEMORY) throw new SearchTooBroadForSort();
      if (round.last === undefined) break;
      start = round.last;
    }
    const leads = await this.leads.getLeads(tokens.map((t) => String(t.leadId)));
    const order = compareLeads(filter);
    const keyOf = (lead: Lead) => `${leadDate(lead, filter.sort)}#${lead.id}`;
    const after = (lead: Lead) =>
      position === null || (filter.order === 'asc' ? keyOf(lead) > position : keyOf(lead) < position);
    const matching = [...leads.values()]
      .filter((lead) => lead.supplierId === supplierId && matchesFilter(lead, filter) && after(lead))
      .sort(order);
    const items = matching.slice(0, limit);
    const last = items.at(-1);
    return {
      items,
      nextCursor:
        matching.length > limit && last ? encodeSearchCursor(supplierId, filter, keyOf(last)) : null,
    };
  }
}

/**
 * The lead store the views read through: keyword-driven queries go to the token
 * index (its searchLeads), every other plan to the lead indexes. Handlers that list
 * leads (the api, the export) build their store with it.
 */
export function searchableLeadStore(db: DynamoDBDocumentClient, tableName: string): DynamoLeadStore {
  const search = new DynamoSearchStore(db, tableName);
  return new DynamoLeadStore(db, tableName, {
    searchLeads: (supplierId, filter, page) => search.searchLeads(supplierId, filter, page),
  });
}
