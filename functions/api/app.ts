import type { Logger } from '@aws-lambda-powertools/logger';
import {
  type Clock,
  type ExportFiles,
  type ExportLimits,
  type ExportStore,
  type IdentityProvider,
  type LeadStore,
  type LeadViews,
  type LinkKeys,
  loggablePath,
  type ReportStore,
  type RulesStore,
  type RunExportEvent,
  type TenantStore,
  type TokenVerifier,
  type UploadStore,
  type UploadUrlSigner,
  type UserStore,
  Users,
} from '@leadrelay/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';
import { errorResponse, internalError, json } from './http';
import type { IdempotentRun } from './idempotency';
import { linkRoutes } from './links';
import { openApiDocument } from './openapi';
import { type Route, Router, route } from './router';
import { decisionRoutes } from './routes/decisions';
import { exportRoutes } from './routes/exports';
import { keyRoutes } from './routes/keys';
import { leadRoutes } from './routes/leads';
import { opportunityRoutes } from './routes/opportunities';
import { registrationRoutes } from './routes/registration';
import { registrationRulesRoutes } from './routes/registration-rules';
import { reportRoutes } from './routes/reports';
import { routingRoutes } from './routes/routing';
import { tenantRoutes } from './routes/tenants';
import { uploadRoutes } from './routes/uploads';
import { userRoutes } from './routes/users';
import type { WebhookRouteDeps } from './routes/webhooks';
import { webhookRoutes } from './routes/webhooks';

export interface ApiDeps {
  store: TenantStore;
  leads: LeadStore;
  rules: RulesStore;
  clock: Clock;
  operatorKey: () => Promise<string>;
  /** The email links' signing keys (for `/l/{token}`). */
  linkKeys: () => Promise<LinkKeys>;
  /** Idempotency-Key support; without it the header is ignored. */
  idempotency?: IdempotentRun;
  /** Lead file uploads (the upload store and the inbox URL signer); without it /v1/uploads is not served. */
  uploads?: { store: UploadStore; signer: UploadUrlSigner };
  /**
   * Lead exports: the export records and files, how the export function is started, the
   * inline answer's limits, and the views read (default: the lead store's); without it
   * /v1/leads/export and /v1/exports are not served.
   */
  exports?: {
    store: ExportStore;
    files: ExportFiles;
    startRun(event: RunExportEvent): Promise<void>;
    limits?: ExportLimits;
    views?: LeadViews;
  };
  /** The report counters; without it /v1/reports is not served. */
  reports?: ReportStore;
  /**
   * People who sign in (the user pool, their memberships, the token check); without it a token
   * is refused (API keys only) and /v1/users, /v1/me are not served.
   */
  people?: { users: UserStore; identities: IdentityProvider; verifier: TokenVerifier };
  /** Webhook subscriptions, their delivery log, test events and redeliveries; without it /v1/webhooks is not served. */
  webhooks?: Omit<WebhookRouteDeps, 'clock'>;
}

const INFO = { title: 'Lead Relay API', version: '0.1.0' };

/**
 * The HTTP API as one function of an API Gateway v2 event: every route, plus the
 * OpenAPI document generated from them.
 */
export function createApi(deps: ApiDeps, logger: Pick<Logger, 'info' | 'error' | 'warn'>) {
  const routes: Route[] = [
    route({
      method: 'GET',
      path: '/health',
      summary: 'Is the API up',
      tag: 'Platform',
      auth: 'public',
      responses: { 200: { description: 'Up', schema: z.object({ ok: z.literal(true) }) } },
      handle: async () => json(200, { ok: true }),
    }),
    route({
      method: 'GET',
      path: '/v1/openapi.json',
      summary: 'This API as an OpenAPI 3.1 document',
      tag: 'Platform',
      auth: 'public',
      responses: { 200: { description: 'The document' } },
      handle: async () => json(200, openApiDocument(routes, INFO)),
    }),
    // Before leadRoutes only for reading order: the router matches /v1/leads/export before /v1/leads/{id}.
    ...(deps.exports
      ? exportRoutes({
          views: deps.exports.views ?? deps.leads,
          tenants: deps.store,
          exports: deps.exports.store,
          files: deps.exports.files,
          clock: deps.clock,
          startRun: deps.exports.startRun,
          ...(deps.exports.limits ? { limits: deps.exports.limits } : {}),
        })
      : []),
    ...tenantRoutes(deps),
    ...keyRoutes(deps),
    ...leadRoutes({ leads: deps.leads, tenants: deps.store, rules: deps.rules, clock: deps.clock }),
    ...opportunityRoutes({ leads: deps.leads, clock: deps.clock }),
    ...decisionRoutes({ leads: deps.leads, tenants: deps.store, rules: deps.rules, clock: deps.clock }),
    ...registrationRoutes({ leads: deps.leads, tenants: deps.store, rules: deps.rules, clock: deps.clock }),
    ...routingRoutes({ leads: deps.leads, tenants: deps.store, rules: deps.rules, clock: deps.clock }),
    ...registrationRulesRoutes({ rules: deps.rules, clock: deps.clock }),
    ...(deps.uploads
      ? uploadRoutes({
          uploads: deps.uploads.store,
          signer: deps.uploads.signer,
          tenants: deps.store,
          clock: deps.clock,
        })
      : []),
    ...(deps.reports ? reportRoutes({ reports: deps.reports, tenants: deps.store, clock: deps.clock }) : []),
    ...(deps.people
      ? userRoutes({
          users: deps.people.users,
          identities: deps.people.identities,
          tenants: deps.store,
          clock: deps.clock,
        })
      : []),
    ...(deps.webhooks ? webhookRoutes({ ...deps.webhooks, clock: deps.clock }) : []),
  ];
  const router = new Router(
    routes,
    (headers) =>
      Users.authenticateRequest({ ...deps, ...(deps.people ? { people: deps.people } : {}) }, headers),
    deps.idempotency,
  );

  const links = linkRoutes(
    { leads: deps.leads, tenants: deps.store, clock: deps.clock, linkKeys: deps.linkKeys },
    logger,
  );

  return {
    routes,
    /** The OpenAPI document of these routes (what GET /v1/openapi.json answers). */
    document: () => openApiDocument(routes, INFO),
    async handle(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
      const started = Date.now();
      let response: APIGatewayProxyStructuredResultV2;
      try {
        response = (await links(event)) ?? (await router.dispatch(event));
      } catch (error) {
        const known = errorResponse(error);
        if (!known)
          logger.error('request failed', { error: error as Error, path: loggablePath(event.rawPath) });
        response = known ?? internalError(event.requestContext.requestId);
      }
      logger.info('request', {
        method: event.requestContext.http.method,
        path: loggablePath(event.rawPath),
        status: response.statusCode,
        ms: Date.now() - started,
      });
      return response;
    },
  };
}
