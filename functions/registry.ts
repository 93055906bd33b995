/**
 * Every Lambda function of Lead Relay, in one list. The CDK stack creates one
 * NodejsFunction per entry and the local cloud loads the same handlers from the
 * same entries, so a handler added to one cannot be missing from the other
 * (test/infra/registry.test.ts checks both).
 */
import type { IndexName } from '@leadrelay/store';

export const functionNames = [
  'api',
  'ingest',
  'distribute',
  'email-events',
  'reroute',
  'aggregate',
  'upload-sweeper',
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
  /**
   * A function that runs on a rate: EventBridge Scheduler invokes it every `everyMinutes`
   * with `input` (a rate() schedule in the stack, the same schedule on the local
   * Scheduler emulator).
   */
  readonly schedule?: { readonly everyMinutes: number; readonly input: Readonly<Record<string, unknown>> };
}

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
      query: ['table', 'byCreated', 'byPartner'],
    },
  },
  ingest: {
    entry: 'functions/ingest/handler.ts',
    description: 'S3 ObjectCreated under inbox/<supplierId>/: streams the lead file in',
    memorySize: 1024,
    timeoutSeconds: 900,
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
    // Reads the lead (and its partner on a bounce) and writes its new email status.
    table: { items: ['GetItem', 'PutItem'] },
  },
  reroute: {
    entry: 'functions/reroute/handler.ts',
    description: 'Scheduler: a reroute deadline fired, or the periodic sweep',
    memorySize: 512,
    timeoutSeconds: 300,
    // A reroute reads rules, partners and loads, reserves sequence numbers and writes the lead with its
    // load changes; the sweep queries the deadline index.
    table: { items: ['GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem'], query: ['table', 'byDeadline'] },
  },
  aggregate: {
    entry: 'functions/aggregate/handler.ts',
    description: 'Table stream: keeps the report counters',
    memorySize: 256,
    timeoutSeconds: 60,
    // Nothing yet: the counters arrive with the reports issue, and their writes with them.
    table: { items: [] },
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
};
