import {
  type CreatePartner,
  type Lead,
  leadIdFor,
  RoutingRules,
  systemClock,
  Tenants,
  type Upload,
  type UploadRowError,
  Uploads,
} from '@leadrelay/core';
import { DynamoHeaderMappingStore, DynamoUploadStore } from '@leadrelay/store';
import type { Context } from 'aws-lambda';
import {
  createIngestHandler,
  type IngestEvent,
  type IngestHandlerOptions,
} from '../../functions/ingest/ingest';
import type { Inbox } from './inbox';
import { testTable } from './store';

const silent = { info: () => {}, warn: () => {}, error: () => {} };

/**
 * The ingest handler over a fresh table and the S3 emulator, with the function's
 * self-invocations recorded (a test delivers them, as Lambda would).
 */
export async function ingestHarness(inbox: Inbox, prefix: string) {
  const table = await testTable(prefix);
  const uploads = new DynamoUploadStore(table.db, table.tableName);
  const mappings = new DynamoHeaderMappingStore(table.db, table.tableName);
  const deps = {
    mappings,
    leads: table.leads,
    tenants: table.tenants,
    rules: table.rules,
    uploads,
    clock: systemClock,
  };
  /** Every event the handler sent itself (`{kind: 'resume'}`), oldest first. */
  const invoked: { functionName: string; event: IngestEvent }[] = [];
  const handler = (options: IngestHandlerOptions = {}) =>
    createIngestHandler(
      {
        ...deps,
        bucket: inbox.bucket,
        open: (key, object) => inbox.files.opener(key, object),
        invokeAsync: async (functionName, event) => {
          invoked.push({ functionName, event: event as IngestEvent });
        },
        logger: silent,
      },
      options,
    );

  /** A supplier with partners (name → id) and optional routing rules. */
  const supplierWith = async (partners: Record<string, Partial<CreatePartner>> = {}) => {
    const tenantDeps = { store: table.tenants, clock: systemClock };
    const { supplier, apiKey } = await Tenants.createSupplier(tenantDeps, { name: `S ${Date.now()}` });
    const ids: Record<string, string> = {};
    for (const [name, fields] of Object.entries(partners)) {
      const { partner } = await Tenants.createPartner(tenantDeps, supplier.id, {
        name,
        groups: [],
        leadOwners: [],
        salesReps: [],
        autoAccept: false,
        capacity: null,
        paused: false,
        weight: 1,
        domains: [],
        ...fields,
      });
      ids[name] = partner.id;
    }
    const setRules = async (rules: unknown) => {
      const current = await table.rules.getRules(supplier.id, 'routing');
      await table.rules.putRules(
        supplier.id,
        'routing',
        RoutingRules.parse(rules),
        current?.version ?? 0,
        new Date().toISOString(),
      );
    };
    return { supplierId: supplier.id, key: apiKey, ids, setRules };
  };

  /** Every upload of a supplier, newest first. */
  const uploadsOf = async (supplierId: string): Promise<Upload[]> => {
    const out: Upload[] = [];
    let cursor: string | undefined;
    do {
      const page = await uploads.listUploads(supplierId, { limit: 100, ...(cursor ? { cursor } : {}) });
      out.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return out;
  };

  /** The upload and every row error, all pages. */
  const report = async (supplierId: string, uploadId: string, pageRows = 1000) => {
    const errors: UploadRowError[] = [];
    let cursor: string | undefined;
    let upload: Upload | undefined;
    do {
      const page = await Uploads.getUploadReport({ uploads }, supplierId, uploadId, {
        limit: pageRows,
        ...(cursor ? { cursor } : {}),
      });
      upload = page.upload;
      errors.push(...page.errors);
      cursor = page.errorsCursor ?? undefined;
    } while (cursor);
    return { upload: upload as Upload, errors };
  };

  /** Every lead of a supplier. */
  const leadsOf = async (supplierId: string): Promise<Lead[]> => {
    const out: Lead[] = [];
    let cursor: string | undefined;
    do {
      const page = await table.leads.listLeads(supplierId, { limit: 500, ...(cursor ? { cursor } : {}) });
      out.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return out;
  };

  const lead = (supplierId: string, email: string) => table.leads.getLead(leadIdFor(supplierId, email));

  /** Delivers the handler's own resume events until there are none left; answers how many ran. */
  const drainResumes = async (
    run: (event: IngestEvent, context: Context) => Promise<void>,
    context: () => Context,
  ) => {
    let delivered = 0;
    for (let next = invoked.shift(); next; next = invoked.shift()) {
      await run(next.event, context());
      delivered++;
    }
    return delivered;
  };

  return {
    table,
    uploads,
    mappings,
    deps,
    invoked,
    handler,
    supplierWith,
    uploadsOf,
    report,
    leadsOf,
    lead,
    drainResumes,
  };
}
