import { createHash } from 'node:crypto';
import { normaliseName } from '@leadrelay/core';

/**
 * The key design of the single table, in one place. The index column names each GSI
 * by the access pattern it serves (`Index` in table.ts): byCreated is GSI1
 * (GSI1PK / GSI1SK), byPartner and byLease share GSI2 (GSI2PK / GSI2SK), byDeadline
 * is GSI3 (GSI3PK / GSI3SK); the view's indexes are GSI4..GSI8 (table below the first).
 *
 * | entity             | PK                   | SK                         | index: PK / SK                      | access pattern                                   |
 * |--------------------|----------------------|----------------------------|-------------------------------------|--------------------------------------------------|
 * | Supplier           | SUP#<supplierId>     | SUPPLIER                   | byCreated: SUPPLIERS /              | get a supplier; the operator lists suppliers     |
 * |                    |                      |                            |   <createdAt>#<id>                  |                                                  |
 * | Partner            | SUP#<supplierId>     | PARTNER#<partnerId>        | —                                   | get one; list a supplier's partners (oldest first) |
 * | PartnerName        | SUP#<supplierId>     | PARTNERNAME#<lower(name)>  | —                                   | a partner name is unique within its supplier     |
 * | ApiKey             | APIKEY#<sha256(key)> | APIKEY                     | byCreated: KEYS#<principal> /       | authenticate a request; list a tenant's keys     |
 * |                    |                      |                            |   <createdAt>#<id>                  |                                                  |
 * | Lead               | LEAD#<leadId>        | LEAD                       | byCreated:                          | get a lead (with only its latest history         |
 * |                    |                      |                            |   SUP#<supplierId>#LEADS#<shard> /  |   entries); a supplier's leads, newest first     |
 * |                    |                      |                            |   <createdAt>#<leadId>              |   (merged over the shards)                       |
 * |                    |                      |                            | byPartner (with a partner):         | the leads a partner has now, newest first        |
 * |                    |                      |                            |   SUP#<sid>#PARTNER#<pid>#LEADS#<shard> / <createdAt>#<leadId> | (merged over the shards) |
 * |                    |                      |                            | byDeadline (while a partner holds   |                                                  |
 * |                    |                      |                            |   it undecided: Pending or Rerouted |                                                  |
 * |                    |                      |                            |   with a deadline, not flagged by   |                                                  |
 * |                    |                      |                            |   the sweep): DEADLINES#<shard>     | waiting leads whose deadline passed, oldest      |
 * |                    |                      |                            |   / <deadlineAt>#<leadId>           |   first (the reroute sweep; never a Scan)        |
 * | LeadAlias          | LEAD#<aliasId>       | LEAD                       | —                                   | an id that names another lead (`aliasOf`);       |
 * |                    |   leadIdFor(sid,     |                            |                                     |   getLead(s) follow it. leadIdFor: a registered  |
 * |                    |   email) or          |                            |                                     |   partner lead holds the supplier's identity of  |
 * |                    |   partnerLeadIdFor(  |                            |                                     |   its email (the id a distributed lead of it     |
 * |                    |   sid, pid, email)   |                            |                                     |   would have), so intake's dedupe finds it and a |
 * |                    |                      |                            |                                     |   new lead there fails (not-exists): one lead of |
 * |                    |                      |                            |                                     |   an email at the supplier, first come first.    |
 * |                    |                      |                            |                                     |   partnerLeadIdFor: a partner's own lead by its  |
 * |                    |                      |                            |                                     |   email (partner leads have ULIDs; the alias     |
 * |                    |                      |                            |                                     |   moves when the email does). Written in the     |
 * |                    |                      |                            |                                     |   lead's own transaction (writeAliased)          |
 * | LeadHistory        | LEAD#<leadId>        | HISTORY#<at>#v<version>    | —                                   | a lead's history, newest first (Query from LEAD  |
 * |                    |                      |   (10 digits; one per      |                                     |   down to HISTORY#, descending, with the lead's  |
 * |                    |                      |   instant: …-<nn>; a merge:|                                     |   own latest entries). Append-only: the entries  |
 * |                    |                      |   HISTORY#<at>#m<ulid>;    |                                     |   a change moves off the lead, in its transaction|
 * |                    |                      |   an event that only adds  |                                     |   (an event that changes nothing else: its own   |
 * |                    |                      |   history: …#e<digest>)    |                                     |   item, with its LeadEvent, the lead unwritten)  |
 * | LeadEvent          | LEAD#<leadId>        | EVENT#<eventId>            | —                                   | an outside event (SES) applied to the lead:      |
 * |                    |                      |                            |                                     |   written once with its change, so a redelivery  |
 * |                    |                      |                            |                                     |   changes nothing                                |
 * | PartnerLoad        | SUP#<supplierId>#LOAD#<partnerId> | LOAD          | —                                   | a partner's Pending count (capacity, least-loaded) |
 * | Sequences          | SUP#<supplierId>#SEQ#<0-7> | SEQUENCES            | —                                   | round-robin counters, reserved in blocks: one    |
 * |                    |                      |                            |                                     |   attribute `seq:<name>` each, on the shard of   |
 * |                    |                      |                            |                                     |   its name's hash (a chunk's pools: ≤ 8 writes)  |
 * | Rules              | SUP#<supplierId>     | RULES#<kind>               | —                                   | a supplier's routing / registration rules        |
 * | Upload             | SUP#<supplierId>#UPLOAD#<uploadId> | UPLOAD       | byCreated: SUP#<supplierId>#UPLOADS | get an upload (status, counts, checkpoint,       |
 * |                    |                      |                            |   / <createdAt>#<uploadId>          |   lease); a supplier's uploads, newest first     |
 * |                    |                      |                            | byLease (only while processing):    |                                                  |
 * |                    |                      |                            |   UPLOADS#PROCESSING /              | uploads whose lease expired, oldest first (the   |
 * |                    |                      |                            |   <leaseUntil>#<supplierId>#<id>    |   upload sweeper; never a Scan)                  |
 * | UploadRowError     | SUP#<supplierId>#UPLOAD#<uploadId> | ERR#<row, 10 digits> | —                             | an upload's rejected rows in row order (Query    |
 * |                    |                      |                            |                                     |   begins_with ERR#); one item per row            |
 * | HeaderMapping      | SUP#<supplierId>     | HEADERMAP#<headerRowHash>  | —                                   | the column mapping a supplier gave for a header  |
 * |                    |                      |                            |                                     |   row (get by the row's hash; ingest Queries     |
 * |                    |                      |                            |                                     |   begins_with HEADERMAP# before row 1 is read)   |
 * | LeadToken          | SUP#<supplierId>#TOKEN#<gram> | <createdAt>#<leadId> | —                                | keyword search: the leads with a word under that |
 * |                    |                      |                            |                                     |   gram, newest first (Query; `words` holds the   |
 * |                    |                      |                            |                                     |   lead's words under it: " w1 w2 ", post-filter  |
 * |                    |                      |                            |                                     |   contains " <keyword>"). Kept by `aggregate`    |
 * |                    |                      |                            |                                     |   from the stream; see "Keyword search" below    |
 * | LeadTokens         | LEAD#<leadId>        | TOKENS                     | —                                   | the lead version the token items hold, and their |
 * |                    |                      |                            |                                     |   grams (a digest of each gram's words): the     |
 * |                    |                      |                            |                                     |   difference a newer version writes              |
 * | Webhook            | SUP#<supplierId>#WEBHOOKS#<owner> | WEBHOOK#<webhookId> | —                      | a subscription (owner: SUPPLIER, or PARTNER#<pid>:|
 * |                    |   (owner: SUPPLIER or PARTNER#<partnerId>) |      |                                     |   a partition per tenant, so the stream consumer |
 * |                    |                      |                            |                                     |   reads the supplier's and the lead's partner's, |
 * |                    |                      |                            |                                     |   and another tenant's id is simply not there);  |
 * |                    |                      |                            |                                     |   its secrets (signing), status, version         |
 * | WebhookCount       | SUP#<supplierId>#WEBHOOKS#<owner> | COUNT         | —                                   | how many subscriptions the tenant has: ADDed in  |
 * |                    |                      |                            |                                     |   the create / delete transaction, conditional   |
 * |                    |                      |                            |                                     |   on the limit (20), so two creates at once      |
 * |                    |                      |                            |                                     |   cannot pass it                                 |
 * | WebhookDelivery    | WEBHOOK#<webhookId>#LEAD#<leadId> | DLV#<version, 10 digits>#<nn> | byCreated:       | a lane: one subscription's deliveries of one     |
 * |                    |   (test events:      |   (test: DLV#<ulid>)       |   WEBHOOK#<webhookId>#DELIVERIES /  |   lead in order (Query ascending, consistent,    |
 * |                    |   WEBHOOK#<wid>#TEST)|                            |   <createdAt>#<deliveryId>          |   the first unfinished is the head; the rest wait)|
 * |                    |                      |                            |                                     |   put once (not-exists: a replay adds nothing);  |
 * |                    |                      |                            |                                     |   claimed and finished by conditional updates.   |
 * |                    |                      |                            |                                     |   byCreated: the subscription's delivery log,    |
 * |                    |                      |                            |                                     |   newest first. The delivery id (webhook-id)     |
 * |                    |                      |                            |                                     |   names its lane and place (core events.ts), so  |
 * |                    |                      |                            |                                     |   it is read by id. TTL `expiresAt`: 30 days     |
 * |                    |                      |                            |                                     |   after it finished                              |
 * | Export             | SUP#<supplierId>#EXPORT#<exportId> | EXPORT       | —                                   | a large CSV export: its view (filter, columns),  |
 * |                    |                      |                            |                                     |   status, attempts, rows; get by id (the status  |
 * |                    |                      |                            |                                     |   route, the export function). TTL `expiresAt`:  |
 * |                    |                      |                            |                                     |   7 days, as the file's lifecycle rule           |
 * | Idempotency record | IDEMPOTENCY          | <function name>#           | —                                   | distribute's mailer: a partner email is sent     |
 * |   (mailer)         |                      |   md5(<leadId>:v<assignment>:a<attempt>:<kind>) |                | once per key; the same key answers the first     |
 * |                    |                      |                            |                                     |   message id. TTL `expiresAt`: 7 days            |
 * | Idempotency record | IDEMPOTENCY          | <function name>#           | —                                   | the API's Idempotency-Key: the same key and body |
 * |   (API)            |                      |   md5([principal, key, method, path]) |                           |   answer the first response; `validation` holds  |
 * |                    |                      |                            |                                     |   the body's hash. TTL `expiresAt`: 24 hours     |
 * | Membership         | USER#<userId>        | MEMBER#<tenant>            | —                                   | a person's memberships (a signed-in request reads |
 * |                    |                      |   (supplier:<sid> or       |                                     |   them all: a removed one stops working at once); |
 * |                    |                      |   partner:<sid>:<pid>)     |                                     |   `<userId>` is the user pool's `sub`             |
 * | TenantMember       | <tenant>#USERS       | <email>#<userId>           | —                                   | a tenant's users by email (the same membership,   |
 * |                    |                      |                            |                                     |   written with it in one transaction)             |
 * | ReportMeta         | SUP#<supplierId>     | REPORTS                    | —                                   | the supplier's report generations: `current`     |
 * |                    |                      |                            |                                     |   (reports read it), `building` (a rebuild fills |
 * |                    |                      |                            |                                     |   it; the consumer writes both); none: 0         |
 * | ReportCounter      | SUP#<supplierId>#REPORT#g<generation>#<yyyy-mm> | <yyyy-mm-dd>#<partnerId or -> | —            | report counters of one day × partner: one number |
 * |                    |                      |                            |                                     |   per cell (`n|<cell>` count, `v|<cell>` value   |
 * |                    |                      |                            |                                     |   sum; core reports/contribution.ts)             |
 * |                    |                      | MONTH#<partnerId or ->     | —                                   | the month's roll-up × partner (same cells, the   |
 * |                    |                      |                            |                                     |   sum of its days). A report Queries each month  |
 * |                    |                      |                            |                                     |   of its range: a month it covers whole, its     |
 * |                    |                      |                            |                                     |   roll-ups (begins_with MONTH#); an edge month,  |
 * |                    |                      |                            |                                     |   SK between its days. Items read ≤ (edge days + |
 * |                    |                      |                            |                                     |   months) × partners, whatever the lead count    |
 * | LeadReported       | LEAD#<leadId>        | REPORTED#g<generation>     | —                                   | the lead's contribution applied to a generation  |
 * |                    |                      |                            |                                     |   and the lead version it came from (the         |
 * |                    |                      |                            |                                     |   aggregate consumer's version gate)             |
 *
 * The All Leads view's indexes, every one on the Lead item, projection ALL
 * (a post-filter reads any attribute off the index item). `<shard16>` is leadShard,
 * `<shard4>` is dimShard (leadShard mod DIM_SHARDS): a dimension partition (one status,
 * one email status…) holds a big share of a supplier's leads, so its writes still
 * spread, but over fewer partitions than byCreated, so a page merges fewer of them.
 *
 * | index (GSI)        | PK                                                  | SK                    | on which leads          |
 * |--------------------|-----------------------------------------------------|-----------------------|-------------------------|
 * | byUpdated (GSI4)   | SUP#<sid>#UPDATED#<shard16>                         | <updatedAt>#<leadId>  | every lead              |
 * | byStatus (GSI5)    | SUP#<sid>#STATUS#<distributionStatus>#<shard4>      | <createdAt>#<leadId>  | every lead              |
 * | byEmail (GSI6)     | SUP#<sid>#EMAIL#<emailStatus>#<shard4>              | <createdAt>#<leadId>  | every lead              |
 * | bySource (GSI7)    | SUP#<sid>#SOURCE#<type>#<source>#<shard4>           | <createdAt>#<leadId>  | every lead (type AND    |
 * |                    |                                                     |                       |   source: a type is the |
 * |                    |                                                     |                       |   merge of its sources) |
 * | byPipeline (GSI8)  | SUP#<sid>#PIPELINE#<pipelineStatus>#<shard4>        | <createdAt>#<leadId>  | sparse: with a pipeline |
 * |                    |                                                     |                       |   status only           |
 * | byConflict (GSI9)  | SUP#<sid>#CONFLICT                                  | <createdAt>#<leadId>  | sparse: in a channel    |
 * |                    |                                                     |                       |   conflict (few)        |
 *
 * A partner's own lead the supplier does not see yet (registration unregistered or
 * linked; core sharedWithSupplier) has only byPartner and byUpdated keys, in partitions
 * of its partner's own (`SUP#<sid>#PARTNER#<pid>#OWN#<shard4>`, `…#OWNUPDATED#<shard4>`):
 * a supplier's view never reads them, however many a partner keeps; a partner key's view
 * (withPartnerOwn) merges them with its partner's shared partitions (16 + 4). Every other
 * index, the reports and the keyword index hold only what the supplier sees; registering
 * rewrites the item, and its keys move to the shared partitions and appear in the others.
 *
 * A view's query (LeadStore.queryLeads, core's planLeadQuery) drives ONE of byCreated,
 * byUpdated, byPartner or these, merging its partitions (shards × the filter's values),
 * and checks the other fields as a FilterExpression on that Query. Every lead write
 * rewrites the whole item, so its index keys follow its fields; mergeLeadFields, which
 * updates in place, sets byUpdated's sort key with updatedAt.
 * Cost: every lead write also writes its 4 (5 with a pipeline status) view index entries;
 * a change of status, email status or pipeline status moves the lead between partitions
 * of that index (a delete and a put there), and every change moves it in byUpdated.
 * Planner and merge (core leads/plan.ts, lead-query.ts) and their measured figures
 * (test/bench/views.ts): items read / returned ≤ 3 for page one of 50 of every single
 * field, but for a big partner group (more than MAX_DRIVING_PARTNERS partners: byCreated
 * post-filtered, ≈ 1 / the group's share of the leads) and keywords without the token
 * index (post-filtered in memory).
 * Deploying: CloudFormation adds one GSI per stack update, so GSI4..GSI9 take six
 * deployments (one index each); leads written before them have no entries there until
 * they are rewritten (a backfill rewrites every lead item through leadItem).
 *
 * Every item of ours carries `entity` (its type, used by stream filters) and `version`.
 * Idempotency records are Powertools' own (functions/shared/idempotency.ts: `status`,
 * `data`, `expiresAt`, `in_progress_expiration`): no `entity`, so the stream consumers'
 * filter (`entity = Lead`) passes them over, and no key builder here: Powertools writes
 * and reads them itself.
 * Reports (the `aggregate` consumer, core reports/): a lead contributes to exactly one
 * counter item (its creation day × its partner). A stream record is applied only if its
 * lead version is newer than the LeadReported item's: one TransactWriteItems moves the
 * lead's measures from the old cells to the new (ADD, merged per counter item over a
 * batch; ≤ 100 items per transaction, one lead per transaction after a condition
 * failure) and puts LeadReported conditional on the version read. A record whose old and
 * new images contribute the same is skipped without a read or a write (the newest
 * version that changed the contribution is the one that counts; see the use case).
 * Counters live in month partitions (not one per day) so a 90-day report is 3–4 Queries
 * instead of 90; every change also ADDs to its month's roll-up item in the same
 * transaction, so a month the range covers whole is read as one item per partner instead
 * of one per day and partner (a month-aligned 90 days: 3 × partners items instead of
 * 90 × partners; the price: one more counter update per batch and partner). The month's
 * counter writes are merged per stream batch, so the partition takes at most one write
 * per counter item per batch. Generations: `npm run reports:rebuild` sets `building`, replays every lead
 * (byCreated, re-read consistently) into it through the same version gate while the
 * consumer writes to both, then makes it current; old generations' items are left behind
 * (a few KB per day × partner).
 * Keys describe themselves; ids are ULIDs so SK order is creation order.
 * `<shard>` is leadShard(leadId), 0..LEAD_SHARDS-1: a big file's lead writes spread
 * over LEAD_SHARDS byCreated partitions instead of all landing on one.
 *
 * Keyword search (LeadToken, LeadTokens; core search/tokens.ts and index-text.ts,
 * search-store.ts). The choice: edge-gram token items in the main table, kept from
 * the table stream by the `aggregate` consumer (functions/aggregate/search.ts), no
 * GSI and no search service. For each distinct folded word of a lead (email, names,
 * company, phone and its joined digits, title, city, country, custom-field values),
 * its prefixes of the scheme's lengths (a word shorter than 3 is kept whole): words of
 * letters 3 and 6, words with a digit 3, 5, 7, 9 and 11 (core GRAMS). One item per
 * distinct gram and lead; `words` holds the lead's words under the gram. A keyword is
 * served by the partition of its longest gram, post-filtered (FilterExpression
 * `contains(words, " <keyword>")`) when it is longer; a search is driven by one keyword
 * (the longest gram, then the longest keyword), and every other keyword and filter is
 * checked on the leads fetched (BatchGetItem) with core matchesFilter. Newest first by
 * createdAt (the SK), either order; a created range narrows the key range; sort=updated
 * sorts the whole match set in memory, up to 1,000 matches (else a 400 on `sort`: the
 * All Leads planner drives such a query by byUpdated instead).
 * The per-lead state (LEAD#<id> / TOKENS) holds the lead version applied and each gram
 * with a digest of its words: a record applies only when its version is newer, writes
 * the difference (BatchWriteItem), then the state (conditional on its `rev`). A record
 * whose words did not change (status, email status, pipeline) reads and writes nothing.
 * Measured (test/bench/search.ts, 10,000 leads of the bench fixture, DynamoDB Local,
 * ReturnConsumedCapacity TOTAL): 38.4 token items per lead, 39.4 write units per new
 * lead (its token items and the ~835 B state item; a lead's whole plain life without
 * them is 136), 8.9 per text change (new last name and title). Page one of 50, items
 * read (token items + leads) / returned: 2.0 for every common keyword (`example` in
 * every lead, `director`, `lov`, `hamil`, `manufact`, `london`: 51 token items and 50
 * leads, 51.5 read units; the token items are about 100 B, 40 to a read unit), 11.6
 * for a rare one (`company123`, 11 leads: 117 token items, 14.5 read units in all);
 * 12-36 ms a page on a loaded 2-core machine. Where the driving keyword is common and
 * the others rare (`barbara.torvalds.1234`: one lead among the 1,263 under `torval`),
 * page one stops at its budget with no lead and a cursor (1,051 token items, 551
 * leads, 575 read units, about 250 ms).
 * The gram lengths, by the same study over every prefix of 3+ characters of every word:
 * letters 3/6 give a median ratio (partition / matches) of 1.0, p99 3.4, max 10.2
 * (3 alone: p99 10.2, 18.2 items per lead; 3/4/6: p99 1.1 but 43.9 items); words with
 * digits share long prefixes (phones of one country, numbered ids), so 3/6 left a
 * median of 115 for digit keywords; 3/5/7/9/11 brings it to 1.0 (p90 20) for 6 more
 * items per lead.
 * Limits: a search finds a lead after the stream consumer ran (eventually consistent,
 * usually within a second or two); keywords of 1-2 characters match whole words only;
 * a gram partition shared by nearly every lead (`com`, `exa`) is hot on writes: past
 * about 1,000 new leads a second for one supplier its writes throttle and the consumer
 * retries (it lags, nothing is lost; sharding those partitions is the next step); the
 * write cost grows with the text (a long free-text custom field costs an item per
 * distinct gram); a query whose driving keyword is common but whose other keywords or
 * filters are rare reads many candidates: a page reads at most 10,000 token items and
 * 10 × limit leads (at least 500) and then answers what it found with a cursor that
 * goes on; scripts whose words have no spaces (CJK) match from the start of a run only.
 */
export const Keys = {
  supplier: (supplierId: string) => ({ PK: `SUP#${supplierId}`, SK: 'SUPPLIER' }),
  /** byCreated: every supplier, oldest first (operator view). */
  supplierIndex: (supplierId: string, createdAt: string) => ({
    GSI1PK: 'SUPPLIERS',
    GSI1SK: `${createdAt}#${supplierId}`,
  }),
  partner: (supplierId: string, partnerId: string) => ({
    PK: `SUP#${supplierId}`,
    SK: `PARTNER#${partnerId}`,
  }),
  /** Query prefix: a supplier's partners. */
  partnersOf: (supplierId: string) => ({ PK: `SUP#${supplierId}`, SKPrefix: 'PARTNER#' }),
  partnerName: (supplierId: string, name: string) => ({
    PK: `SUP#${supplierId}`,
    SK: `PARTNERNAME#${normaliseName(name)}`,
  }),
  apiKey: (keyHash: string) => ({ PK: `APIKEY#${keyHash}`, SK: 'APIKEY' }),
  /** byCreated: a principal's keys, oldest first (for listing and revoking); the id orders keys of the same instant. */
  apiKeyIndex: (principalId: string, createdAt: string, keyId: string) => ({
    GSI1PK: `KEYS#${principalId}`,
    GSI1SK: `${createdAt}#${keyId}`,
  }),
  lead: (leadId: string) => ({ PK: `LEAD#${leadId}`, SK: 'LEAD' }),
  /**
   * One change's history entries. `at` first, so the partition's HISTORY# items sort by
   * time (Query descending: newest first); the lead version after the change (or a
   * merge's own id) makes the key unique, and the same on a retry of the same write.
   */
  leadHistory: (leadId: string, at: string, change: string) => ({
    PK: `LEAD#${leadId}`,
    SK: `HISTORY#${at}#${change}`,
  }),
  /** Query prefix: a lead's history items. */
  leadHistoryOf: (leadId: string) => ({ PK: `LEAD#${leadId}`, SKPrefix: 'HISTORY#' }),
  /** The record that an outside event (SES's identity of it) was applied to the lead. */
  leadEvent: (leadId: string, eventId: string) => ({ PK: `LEAD#${leadId}`, SK: `EVENT#${eventId}` }),
  /** byCreated: a supplier's leads, newest first within each shard. */
  leadIndex: (supplierId: string, leadId: string, createdAt: string) => ({
    GSI1PK: `SUP#${supplierId}#LEADS#${leadShard(leadId)}`,
    GSI1SK: `${createdAt}#${leadId}`,
  }),
  /** byCreated partition: one shard of a supplier's leads. */
  leadsOf: (supplierId: string, shard: number) => ({ GSI1PK: `SUP#${supplierId}#LEADS#${shard}` }),
  /** byPartner: the leads assigned to a partner now, newest first within each shard. */
  leadOfPartner: (supplierId: string, partnerId: string, leadId: string, createdAt: string) => ({
    GSI2PK: `SUP#${supplierId}#PARTNER#${partnerId}#LEADS#${leadShard(leadId)}`,
    GSI2SK: `${createdAt}#${leadId}`,
  }),
  /** byPartner partition: one shard of a partner's leads. */
  leadsOfPartner: (supplierId: string, partnerId: string, shard: number) => ({
    GSI2PK: `SUP#${supplierId}#PARTNER#${partnerId}#LEADS#${shard}`,
  }),
  /** byUpdated: a supplier's leads by their last change, within each of LEAD_SHARDS shards. */
  leadUpdated: (supplierId: string, leadId: string, updatedAt: string) => ({
    GSI4PK: `SUP#${supplierId}#UPDATED#${leadShard(leadId)}`,
    GSI4SK: `${updatedAt}#${leadId}`,
  }),
  leadsUpdatedOf: (supplierId: string, shard: number) => ({ GSI4PK: `SUP#${supplierId}#UPDATED#${shard}` }),
  /**
   * byPartner, a partner's own lead the supplier does not see (unregistered, linked):
   * partitions of their own, so the supplier's views never read them.
   */
  ownLeadOfPartner: (supplierId: string, partnerId: string, leadId: string, createdAt: string) => ({
    GSI2PK: `SUP#${supplierId}#PARTNER#${partnerId}#OWN#${dimShard(leadId)}`,
    GSI2SK: `${createdAt}#${leadId}`,
  }),
  ownLeadsOfPartner: (supplierId: string, partnerId: string, shard: number) => ({
    GSI2PK: `SUP#${supplierId}#PARTNER#${partnerId}#OWN#${shard}`,
  }),
  /** byUpdated, a partner's own lead the supplier does not see (its partner's sort=updated). */
  ownLeadUpdated: (supplierId: string, partnerId: string, leadId: string, updatedAt: string) => ({
    GSI4PK: `SUP#${supplierId}#PARTNER#${partnerId}#OWNUPDATED#${dimShard(leadId)}`,
    GSI4SK: `${updatedAt}#${leadId}`,
  }),
  ownLeadsUpdatedOf: (supplierId: string, partnerId: string, shard: number) => ({
    GSI4PK: `SUP#${supplierId}#PARTNER#${partnerId}#OWNUPDATED#${shard}`,
  }),
  /** A person's membership of a tenant (`tenantRef`: supplier:<sid> or partner:<sid>:<pid>). */
  membership: (userId: string, tenant: string) => ({ PK: `USER#${userId}`, SK: `MEMBER#${tenant}` }),
  memberships: (userId: string) => ({ PK: `USER#${userId}`, SKPrefix: 'MEMBER#' }),
  /** The same membership in its tenant's list of users, by email. */
  tenantMember: (tenant: string, email: string, userId: string) => ({
    PK: `${tenant}#USERS`,
    SK: `${email}#${userId}`,
  }),
  tenantMembers: (tenant: string) => ({ PK: `${tenant}#USERS` }),
  /** byStatus: a supplier's leads of one distribution status, within each of DIM_SHARDS shards. */
  leadStatus: (supplierId: string, status: string, leadId: string, createdAt: string) => ({
    GSI5PK: `SUP#${supplierId}#STATUS#${status}#${dimShard(leadId)}`,
    GSI5SK: `${createdAt}#${leadId}`,
  }),
  leadsOfStatus: (supplierId: string, status: string, shard: number) => ({
    GSI5PK: `SUP#${supplierId}#STATUS#${status}#${shard}`,
  }),
  /** byEmail: a supplier's leads of one email status. */
  leadEmail: (supplierId: string, emailStatus: string, leadId: string, createdAt: string) => ({
    GSI6PK: `SUP#${supplierId}#EMAIL#${emailStatus}#${dimShard(leadId)}`,
    GSI6SK: `${createdAt}#${leadId}`,
  }),
  leadsOfEmail: (supplierId: string, emailStatus: string, shard: number) => ({
    GSI6PK: `SUP#${supplierId}#EMAIL#${emailStatus}#${shard}`,
  }),
  /** bySource: a supplier's leads of one type and source. */
  leadSource: (supplierId: string, type: string, source: string, leadId: string, createdAt: string) => ({
    GSI7PK: `SUP#${supplierId}#SOURCE#${type}#${source}#${dimShard(leadId)}`,
    GSI7SK: `${createdAt}#${leadId}`,
  }),
  leadsOfSource: (supplierId: string, type: string, source: string, shard: number) => ({
    GSI7PK: `SUP#${supplierId}#SOURCE#${type}#${source}#${shard}`,
  }),
  /** byPipeline, sparse: a supplier's leads of one pipeline status. */
  leadPipeline: (supplierId: string, pipelineStatus: string, leadId: string, createdAt: string) => ({
    GSI8PK: `SUP#${supplierId}#PIPELINE#${pipelineStatus}#${dimShard(leadId)}`,
    GSI8SK: `${createdAt}#${leadId}`,
  }),
  leadsOfPipeline: (supplierId: string, pipelineStatus: string, shard: number) => ({
    GSI8PK: `SUP#${supplierId}#PIPELINE#${pipelineStatus}#${shard}`,
  }),
  /** byConflict, sparse: a supplier's leads in a channel conflict, newest first (one partition: they are few). */
  leadConflict: (supplierId: string, leadId: string, createdAt: string) => ({
    GSI9PK: `SUP#${supplierId}#CONFLICT`,
    GSI9SK: `${createdAt}#${leadId}`,
  }),
  leadsInConflict: (supplierId: string) => ({ GSI9PK: `SUP#${supplierId}#CONFLICT` }),
  /**
   * byDeadline: a waiting lead's reroute deadline (Pending or Rerouted, not flagged: see
   * lead-items.ts), across suppliers, oldest first within each shard.
   */
  leadDeadline: (leadId: string, deadlineAt: string) => ({
    GSI3PK: `DEADLINES#${leadShard(leadId)}`,
    GSI3SK: `${deadlineAt}#${leadId}`,
  }),
  /** byDeadline partition: one shard of the deadlines. */
  deadlinesOf: (shard: number) => ({ GSI3PK: `DEADLINES#${shard}` }),
  partnerLoad: (supplierId: string, partnerId: string) => ({
    PK: `SUP#${supplierId}#LOAD#${partnerId}`,
    SK: 'LOAD',
  }),
  /** One of a supplier's SEQUENCE_SHARDS items of counters (sequenceShard of the counter's name). */
  sequences: (supplierId: string, shard: number) => ({
    PK: `SUP#${supplierId}#SEQ#${shard}`,
    SK: 'SEQUENCES',
  }),
  rules: (supplierId: string, kind: string) => ({ PK: `SUP#${supplierId}`, SK: `RULES#${kind}` }),
  /** An upload and its row errors share a partition of their own, so a big file's errors spread no further. */
  upload: (supplierId: string, uploadId: string) => ({
    PK: `SUP#${supplierId}#UPLOAD#${uploadId}`,
    SK: 'UPLOAD',
  }),
  /** byCreated: a supplier's uploads, newest first (ScanIndexForward false). */
  uploadIndex: (supplierId: string, uploadId: string, createdAt: string) => ({
    GSI1PK: `SUP#${supplierId}#UPLOADS`,
    GSI1SK: `${createdAt}#${uploadId}`,
  }),
  /** byCreated partition: a supplier's uploads. */
  uploadsOf: (supplierId: string) => ({ GSI1PK: `SUP#${supplierId}#UPLOADS` }),
  /**
   * byLease, sparse: an upload while it is processing, by the end of its lease. Few uploads
   * process at once and each rewrites its entry once per chunk, so one partition holds them.
   */
  processingUpload: (supplierId: string, uploadId: string, leaseUntil: string) => ({
    GSI2PK: 'UPLOADS#PROCESSING',
    GSI2SK: `${leaseUntil}#${supplierId}#${uploadId}`,
  }),
  /** byLease partition: the uploads being processed. */
  processingUploads: () => ({ GSI2PK: 'UPLOADS#PROCESSING' }),
  /** The errors of one rejected row; the padded row number keeps SK order = row order. */
  uploadRowError: (supplierId: string, uploadId: string, row: number) => ({
    PK: `SUP#${supplierId}#UPLOAD#${uploadId}`,
    SK: `ERR#${String(row).padStart(10, '0')}`,
  }),
  /** A large export, in a partition of its own (nothing lists exports; each is read by its id). */
  export: (supplierId: string, exportId: string) => ({
    PK: `SUP#${supplierId}#EXPORT#${exportId}`,
    SK: 'EXPORT',
  }),
  /** A remembered column mapping, by the hash of the normalised header row it was given for. */
  headerMapping: (supplierId: string, headerHash: string) => ({
    PK: `SUP#${supplierId}`,
    SK: `HEADERMAP#${headerHash}`,
  }),
  /** Query prefix: a supplier's remembered column mappings. */
  headerMappingsOf: (supplierId: string) => ({ PK: `SUP#${supplierId}`, SKPrefix: 'HEADERMAP#' }),
  /** A token item: the lead under one gram of its words (search-store.ts). */
  leadToken: (supplierId: string, gram: string, createdAt: string, leadId: string) => ({
    PK: `SUP#${supplierId}#TOKEN#${gram}`,
    SK: `${createdAt}#${leadId}`,
  }),
  /** Query partition: a supplier's leads under one gram, by creation time. */
  tokensOf: (supplierId: string, gram: string) => ({ PK: `SUP#${supplierId}#TOKEN#${gram}` }),
  /** The lead's token state: the version and grams its token items hold. */
  leadTokens: (leadId: string) => ({ PK: `LEAD#${leadId}`, SK: 'TOKENS' }),
  /** Query prefix: an upload's row errors. */
  uploadRowErrorsOf: (supplierId: string, uploadId: string) => ({
    PK: `SUP#${supplierId}#UPLOAD#${uploadId}`,
    SKPrefix: 'ERR#',
  }),
  /** A subscription, in its owner's partition (`webhookOwnerRef`). */
  webhook: (supplierId: string, ownerRef: string, webhookId: string) => ({
    PK: `SUP#${supplierId}#WEBHOOKS#${ownerRef}`,
    SK: `WEBHOOK#${webhookId}`,
  }),
  /** Query prefix: one owner's subscriptions. */
  webhooksOf: (supplierId: string, ownerRef: string) => ({
    PK: `SUP#${supplierId}#WEBHOOKS#${ownerRef}`,
    SKPrefix: 'WEBHOOK#',
  }),
  /** How many subscriptions the owner has (the limit's counter). */
  webhookCount: (supplierId: string, ownerRef: string) => ({
    PK: `SUP#${supplierId}#WEBHOOKS#${ownerRef}`,
    SK: 'COUNT',
  }),
  /** A delivery in its lane (`lane`: the lead's id, or `test`); `seq` orders the lane. */
  webhookDelivery: (webhookId: string, lane: string, seq: string) => ({
    PK: lane === 'test' ? `WEBHOOK#${webhookId}#TEST` : `WEBHOOK#${webhookId}#LEAD#${lane}`,
    SK: `DLV#${seq}`,
  }),
  /** Query prefix: one lane's deliveries, in order. */
  webhookLane: (webhookId: string, lane: string) => ({
    PK: lane === 'test' ? `WEBHOOK#${webhookId}#TEST` : `WEBHOOK#${webhookId}#LEAD#${lane}`,
    SKPrefix: 'DLV#',
  }),
  /** byCreated: a subscription's delivery log, newest first (ScanIndexForward false). */
  webhookDeliveryIndex: (webhookId: string, createdAt: string, deliveryId: string) => ({
    GSI1PK: `WEBHOOK#${webhookId}#DELIVERIES`,
    GSI1SK: `${createdAt}#${deliveryId}`,
  }),
  /** The supplier's report generations (ReportMeta). */
  reportMeta: (supplierId: string) => ({ PK: `SUP#${supplierId}`, SK: 'REPORTS' }),
  /**
   * One day × partner of a generation's report counters (ReportCounter), in its month's partition;
   * `day` a month (YYYY-MM): that month's roll-up for the partner.
   */
  reportCounter: (supplierId: string, generation: number, day: string, partnerId: string) => ({
    PK: `SUP#${supplierId}#REPORT#g${generation}#${day.slice(0, 7)}`,
    SK: day.length === 7 ? `MONTH#${partnerId}` : `${day}#${partnerId}`,
  }),
  /** Query prefix: the month roll-ups in a month partition. */
  reportMonthRollups: 'MONTH#',
  /** Query partition: a month of a generation's counters. */
  reportCountersOf: (supplierId: string, generation: number, month: string) => ({
    PK: `SUP#${supplierId}#REPORT#g${generation}#${month}`,
  }),
  /** A counter item's SK (`partnerId` `''` / `~`: the bounds of a day). */
  reportCounterSK: (day: string, partnerId: string) => `${day}#${partnerId}`,
  /** The contribution a lead applied to a generation (LeadReported). */
  leadReported: (leadId: string, generation: number) => ({
    PK: `LEAD#${leadId}`,
    SK: `REPORTED#g${generation}`,
  }),
} as const;

/** How many byCreated (and byPartner) partitions a supplier's (a partner's) leads are spread over. */
export const LEAD_SHARDS = 16;

/** A lead's shard: stable (first byte of the id's SHA-1, mod LEAD_SHARDS), so it is known from the id alone. */
export function leadShard(leadId: string): number {
  return (createHash('sha1').update(leadId).digest()[0] ?? 0) % LEAD_SHARDS;
}

/** How many partitions a dimension index (byStatus, byEmail, bySource, byPipeline) spreads one value over. */
export const DIM_SHARDS = 4;

/** A lead's dimension shard: its leadShard mod DIM_SHARDS (LEAD_SHARDS is a multiple of it). */
export function dimShard(leadId: string): number {
  return leadShard(leadId) % DIM_SHARDS;
}

export const Entity = {
  supplier: 'Supplier',
  partner: 'Partner',
  partnerName: 'PartnerName',
  apiKey: 'ApiKey',
  lead: 'Lead',
  leadHistory: 'LeadHistory',
  leadEvent: 'LeadEvent',
  partnerLoad: 'PartnerLoad',
  sequences: 'Sequences',
  rules: 'Rules',
  upload: 'Upload',
  uploadRowError: 'UploadRowError',
  headerMapping: 'HeaderMapping',
  leadToken: 'LeadToken',
  leadTokens: 'LeadTokens',
  export: 'Export',
  reportMeta: 'ReportMeta',
  reportCounter: 'ReportCounter',
  leadReported: 'LeadReported',
  leadAlias: 'LeadAlias',
  membership: 'Membership',
  tenantMember: 'TenantMember',
  webhook: 'Webhook',
  webhookCount: 'WebhookCount',
  webhookDelivery: 'WebhookDelivery',
} as const;

/**
 * How many items hold a supplier's counters. A chunk of a file reserves for all
 * its pools at once: one write per item it touches, and an item stays small
 * (about 25 counters to the KB) so a single reroute's write stays cheap.
 */
export const SEQUENCE_SHARDS = 8;

/** The item (0..SEQUENCE_SHARDS-1) holding a counter. */
export function sequenceShard(counter: string): number {
  return createHash('sha256').update(counter).digest().readUInt32BE(0) % SEQUENCE_SHARDS;
}

/** A counter's attribute on its item (prefixed: the item's own attributes never clash with a name). */
export function sequenceAttribute(counter: string): string {
  return `seq:${counter}`;
}
