/**
 * Every Lambda function of Lead Relay, in one list, with what starts it. The CDK
 * stack creates one NodejsFunction per entry, with the event sources its triggers
 * name, and the local cloud loads the same handlers from the same entries and
 * feeds them from its emulators by the same triggers, so a handler or a trigger
 * added to one cannot be missing from the other (test/infra/registry.test.ts
 * checks both).
 */
import { EXPORT_RUN_SECONDS, inboxPrefix, type RerouteEvent } from '@leadrelay/core';
import { Entity, type IndexName } from '@leadrelay/store';

export const functionNames = [
  'api',
  'ingest',
  'distribute',
  'email-events',
  'reroute',
  'aggregate',
  'upload-sweeper',
  'export',
  'reports-rebuild',
  'webhooks',
] as const;
export type FunctionName = (typeof functionNames)[number];

/**
 * DynamoDB item actions on the table, as IAM names them (without `dynamodb:`).
 * TransactWriteItems has no action of its own: IAM authorizes each part as
 * PutItem, UpdateItem, DeleteItem or ConditionCheckItem. Scan is not here on
 * purpose: the single-table design reads by key and by index only.
 */
export type TableItemAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'BatchWriteItem'
  | 'ConditionCheckItem';

/**
 * What a function may do on the table, and nothing more (the stack grants exactly
 * this; test/infra/stack.test.ts pins it). List what the function's code paths
 * call through packages/store and Powertools idempotency, which puts, gets,
 * updates and, after a failure, deletes its records. Stream reads are not listed:
 * the event source mapping grants them.
 */
export interface TableAccess {
  /** Item actions, on the table itself. */
  readonly items: readonly TableItemAction[];
  /**
   * Where the function runs Query: `table` for the table's own keys, or a GSI by the
   * access pattern it serves (`Index` in packages/store; the stack grants the physical index).
   */
  readonly query?: readonly ('table' | IndexName)[];
}

export interface FunctionSpec {
  /** Path of the handler module, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly memorySize: number;
  readonly timeoutSeconds: number;
  readonly table: TableAccess;
  /** A consumer of the table's stream (an event source mapping; the local stream poller). */
  readonly stream?: StreamTrigger;
  /** Objects created in the inbox bucket under `prefix` (an S3 notification; the S3 emulator's). */
  readonly objectCreated?: { readonly prefix: string };
  /**
   * A function that runs on a rate: EventBridge Scheduler invokes it every `everyMinutes`
   * with `input` (a rate() schedule in the stack, the same schedule on the local
   * Scheduler emulator).
   */
  readonly schedule?: { readonly everyMinutes: number; readonly input: Readonly<Record<string, unknown>> };
  /**
   * Events on the default EventBridge bus that match `pattern` (a rule in the stack; the
   * local cloud matches the SES emulator's events against it). The pattern is built from the
   * names of the resources it filters on, which only the stack or the local cloud knows.
   */
  readonly events?: { readonly pattern: (names: EventSourceNames) => EventPattern };
}

/**
 * The table's stream as an event source mapping reads it: the filter, the batching and how
 * long a failing record is retried (alone, by bisecting) before it goes to the failure queue.
 */
export interface StreamTrigger {
  /** Filter criteria: only records whose new image carries this `entity` (the store tags every item). */
  readonly entity: (typeof Entity)[keyof typeof Entity];
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  readonly retryAttempts: number;
  readonly maxRecordAgeHours: number;
}

/** The resources an event pattern names. */
export interface EventSourceNames {
  /** The SES configuration set every lead email is sent with. */
  readonly configurationSet: string;
}

/** An EventBridge event pattern: each leaf lists the values that match (any one of them). */
export interface EventPattern {
  [field: string]: string[] | EventPattern;
}

/**
 * The stream consumers act on leads only, and read the stream the same way. The ones a
 * person waits on (the partner's email, a webhook) take records as soon as they are there;
 * the report counters gather up to a second of them, so one transaction carries more of a
 * counter's changes.
 */
const leadRecords: StreamTrigger = {
  entity: Entity.lead,
  batchSize: 100,
  maxBatchingWindowSeconds: 1,
  retryAttempts: 5,
  maxRecordAgeHours: 6,
};
const leadRecordsAtOnce: StreamTrigger = { ...leadRecords, maxBatchingWindowSeconds: 0 };

export type TriggerKind = 'stream' | 'objectCreated' | 'schedule' | 'events';

/** The triggers of one kind, each with the function it starts, in registry order. */
export function triggersOf<K extends TriggerKind>(
  kind: K,
): { fn: FunctionName; trigger: NonNullable<FunctionSpec[K]> }[] {
  return functionNames.flatMap((fn) => {
    const trigger = functionSpecs[fn][kind];
    return trigger === undefined ? [] : [{ fn, trigger: trigger as NonNullable<FunctionSpec[K]> }];
  });
}

/**
 * Where reading the All Leads view may Query (LeadStore.queryLeads picks one index per
 * filter; keywords read the token items in the table): the api and the export function.
 */
const VIEW_QUERIES: TableAccess['query'] = [
  'table',
  'byCreated',
  'byPartner',
  'byUpdated',
  'byStatus',
  'byEmail',
  'bySource',
  'byPipeline',
  'byConflict',
];

export const functionSpecs: Record<FunctionName, FunctionSpec> = {
  api: {
    entry: 'functions/api/handler.ts',
    description: 'HTTP API: tenants, partners, leads, uploads, email links, reports',
    memorySize: 512,
    timeoutSeconds: 29,
    // Tenants, keys, leads, rules, uploads; transactions put name claims and delete the old one on a
    // rename, and check the key kept active when one's own key is revoked; Idempotency-Key records
    // (Powertools) are put, read, updated and deleted after a failure.
    table: {
      items: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'ConditionCheckItem'],
      query: VIEW_QUERIES,
    },
  },
  ingest: {
    entry: 'functions/ingest/handler.ts',
    description: 'S3 ObjectCreated under inbox/<supplierId>/: streams the lead file in',
    memorySize: 1024,
    timeoutSeconds: 900,
    objectCreated: { prefix: inboxPrefix },
    // Intake (leads, loads, sequences, the supplier's partners) and the upload's state and row errors.
    table: {
      items: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'BatchWriteItem'],
      query: ['table'],
    },
  },
  distribute: {
    entry: 'functions/distribute/handler.ts',
    description: 'Table stream: emails the partner, schedules the reroute deadline, reroutes a rejected lead',
    memorySize: 512,
    timeoutSeconds: 60,
    stream: leadRecordsAtOnce,
    // Reads the lead, supplier and partner, records the notification; the mailer's idempotency records;
    // a rejected lead's reroute (rerouteRejected) reads rules, partners and loads, reserves sequence
    // numbers and writes the lead with its load changes, as reroute does (without the sweep's index).
    table: { items: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'DeleteItem'], query: ['table'] },
  },
  'email-events': {
    entry: 'functions/email-events/handler.ts',
    description: 'SES configuration-set events (via EventBridge): moves the email status forward',
    memorySize: 256,
    timeoutSeconds: 30,
    // SES publishes every configuration set's events to the default bus: this one's only.
    events: {
      pattern: ({ configurationSet }) => ({
        source: ['aws.ses'],
        detail: { mail: { tags: { 'ses:configuration-set': [configurationSet] } } },
      }),
    },
    // Reads the lead (and its partner on a bounce) and writes its new email status.
    table: { items: ['GetItem', 'PutItem'] },
  },
  reroute: {
    entry: 'functions/reroute/handler.ts',
    description: 'Scheduler: a reroute deadline or its reminder fired, or the periodic sweep',
    memorySize: 512,
    timeoutSeconds: 300,
    // The safety net of the deadlines: the sweep looks for those whose schedule was lost.
    schedule: { everyMinutes: 5, input: { kind: 'sweep' } satisfies RerouteEvent },
    // A reroute reads rules, partners and loads, reserves sequence numbers and writes the lead with its
    // load changes; the sweep queries the deadline index; a reminder reads the lead, supplier and partner,
    // writes the lead, and the mailer's idempotency records are put, read, updated and deleted after a failure.
    table: {
      items: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'DeleteItem'],
      query: ['table', 'byDeadline'],
    },
  },
  aggregate: {
    entry: 'functions/aggregate/handler.ts',
    description: 'Table stream: keeps the report counters and the keyword-search token items',
    memorySize: 256,
    timeoutSeconds: 60,
    stream: leadRecords,
    // The supplier's report generations (GetItem), the leads' applied contributions (BatchGetItem), and
    // transactions that put them and ADD to the counter items (PutItem, UpdateItem); a lead's token state
    // (GetItem, PutItem) and its token items put and deleted (BatchWriteItem).
    table: { items: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'BatchWriteItem'] },
  },
  'upload-sweeper': {
    entry: 'functions/upload-sweeper/handler.ts',
    description: 'Scheduler: resumes uploads left processing with an expired lease',
    memorySize: 256,
    timeoutSeconds: 60,
    // A lease is 60 s: an upload a crashed run left waits at most this long plus a minute.
    schedule: { everyMinutes: 5, input: { kind: 'sweep' } },
    // Finds the uploads whose lease ran out in the processing index; ingest does the rest.
    table: { items: [], query: ['byLease'] },
  },
  export: {
    entry: 'functions/export/handler.ts',
    description: 'Large CSV exports (started by the api): streams the All Leads view into the bucket',
    // A 5 MiB part in flight and two queued, a page of leads and its text: far under this.
    memorySize: 512,
    // Lambda's most; a run not done by then reads as failed (core EXPORT_RUN_SECONDS).
    timeoutSeconds: EXPORT_RUN_SECONDS,
    // The export record (read, claimed, finished) and the view's leads: every index the view may
    // drive (LeadStore.queryLeads picks one per filter, as for the api's GET /v1/leads).
    table: {
      items: ['GetItem', 'BatchGetItem', 'UpdateItem'],
      query: VIEW_QUERIES,
    },
  },
  'reports-rebuild': {
    entry: 'functions/reports-rebuild/handler.ts',
    description: 'By hand (one invocation per supplier): recomputes the report counters from the leads',
    memorySize: 512,
    timeoutSeconds: 900,
    // No trigger: invoked once by hand with {"supplierId": "..."} (README). Lists the supplier's leads
    // (byCreated) and reads them (BatchGetItem); the aggregate's writes; starts and finishes the
    // generation on the meta item (UpdateItem).
    table: { items: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem'], query: ['byCreated'] },
  },
  webhooks: {
    entry: 'functions/webhooks/handler.ts',
    description:
      'Table stream and Scheduler: signed webhook deliveries of lead events, in order per lead, retried',
    memorySize: 512,
    // A batch's lanes, a few at a time, each attempt at most 5 s.
    timeoutSeconds: 120,
    stream: leadRecordsAtOnce,
    // Subscriptions (GetItem; Query of the owner's partition), deliveries put once (PutItem), claimed and
    // finished (UpdateItem), lanes read in order (Query on the table); the subscription's failing mark
    // (UpdateItem); the failing email's recipients (the supplier, GetItem; its users, Query) and the
    // mailer's idempotency records (put, read, updated, deleted after a failure).
    table: { items: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'], query: ['table'] },
  },
};
