import { createHash } from 'node:crypto';
import { normaliseName } from '@leadrelay/core';

/**
 * The key design of the single table, in one place. The index column names each GSI
 * by the access pattern it serves (`Index` in table.ts): byCreated is GSI1
 * (GSI1PK / GSI1SK), byPartner and byLease share GSI2 (GSI2PK / GSI2SK), byDeadline
 * is GSI3 (GSI3PK / GSI3SK).
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
 * | LeadHistory        | LEAD#<leadId>        | HISTORY#<at>#v<version>    | —                                   | a lead's history, newest first (Query from LEAD  |
 * |                    |                      |   (10 digits; one per      |                                     |   down to HISTORY#, descending, with the lead's  |
 * |                    |                      |   instant: …-<nn>; a merge:|                                     |   own latest entries). Append-only: the entries  |
 * |                    |                      |   HISTORY#<at>#m<ulid>)    |                                     |   a change moves off the lead, in its transaction|
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
 * | Idempotency record | IDEMPOTENCY          | <function name>#           | —                                   | distribute's mailer: a partner email is sent     |
 * |   (mailer)         |                      |   md5(<leadId>:v<assignment>:a<attempt>:<kind>) |                | once per key; the same key answers the first     |
 * |                    |                      |                            |                                     |   message id. TTL `expiresAt`: 7 days            |
 * | Idempotency record | IDEMPOTENCY          | <function name>#           | —                                   | the API's Idempotency-Key: the same key and body |
 * |   (API)            |                      |   md5([principal, key, method, path]) |                           |   answer the first response; `validation` holds  |
 * |                    |                      |                            |                                     |   the body's hash. TTL `expiresAt`: 24 hours     |
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
 * More lead access patterns (by status, by updated time) will need indexes of their own.
 * `<shard>` is leadShard(leadId), 0..LEAD_SHARDS-1: a big file's lead writes spread
 * over LEAD_SHARDS byCreated partitions instead of all landing on one.
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
  /** A remembered column mapping, by the hash of the normalised header row it was given for. */
  headerMapping: (supplierId: string, headerHash: string) => ({
    PK: `SUP#${supplierId}`,
    SK: `HEADERMAP#${headerHash}`,
  }),
  /** Query prefix: a supplier's remembered column mappings. */
  headerMappingsOf: (supplierId: string) => ({ PK: `SUP#${supplierId}`, SKPrefix: 'HEADERMAP#' }),
  /** Query prefix: an upload's row errors. */
  uploadRowErrorsOf: (supplierId: string, uploadId: string) => ({
    PK: `SUP#${supplierId}#UPLOAD#${uploadId}`,
    SKPrefix: 'ERR#',
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
  reportMeta: 'ReportMeta',
  reportCounter: 'ReportCounter',
  leadReported: 'LeadReported',
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
