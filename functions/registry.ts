/**
 * Every Lambda function of Lead Relay, in one list. The CDK stack creates one
 * NodejsFunction per entry and the local cloud loads the same handlers from the
 * same entries, so a handler added to one cannot be missing from the other
 * (test/infra/registry.test.ts checks both).
 */
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

export interface FunctionSpec {
  /** Path of the handler module, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly memorySize: number;
  readonly timeoutSeconds: number;
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
  },
  ingest: {
    entry: 'functions/ingest/handler.ts',
    description: 'S3 ObjectCreated under inbox/<supplierId>/: streams the lead file in',
    memorySize: 1024,
    timeoutSeconds: 900,
  },
  distribute: {
    entry: 'functions/distribute/handler.ts',
    description: 'Table stream: emails the partner and schedules the reroute deadline',
    memorySize: 512,
    timeoutSeconds: 60,
  },
  'email-events': {
    entry: 'functions/email-events/handler.ts',
    description: 'SES configuration-set events (via EventBridge): moves the email status forward',
    memorySize: 256,
    timeoutSeconds: 30,
  },
  reroute: {
    entry: 'functions/reroute/handler.ts',
    description: 'Scheduler: a reroute deadline fired, or the periodic sweep',
    memorySize: 512,
    timeoutSeconds: 300,
  },
  aggregate: {
    entry: 'functions/aggregate/handler.ts',
    description: 'Table stream: keeps the report counters',
    memorySize: 256,
    timeoutSeconds: 60,
  },
  'upload-sweeper': {
    entry: 'functions/upload-sweeper/handler.ts',
    description: 'Scheduler: resumes uploads left processing with an expired lease',
    memorySize: 256,
    timeoutSeconds: 60,
    // A lease is 60 s: an upload a crashed run left waits at most this long plus a minute.
    schedule: { everyMinutes: 5, input: { kind: 'sweep' } },
  },
};
