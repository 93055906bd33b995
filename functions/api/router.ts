import {
  type Caller,
  ForbiddenError,
  type Principal,
  type PrincipalKind,
  parseInput,
  type SignedInUser,
} from '@leadrelay/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';
import type { Counter, MetricName } from '../shared/metrics';
import { HttpError, json, readJsonBody } from './http';
import { type IdempotentRun, idempotencyKey } from './idempotency';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The ids a request's log line names, where known: never a key, a token or an email. */
export interface RequestKeys {
  supplierId?: string;
  partnerId?: string;
  leadId?: string;
  uploadId?: string;
}

/**
 * What one request did, for its log line and the metrics: the ids it touched
 * (the router fills in the caller's tenant and the path's lead or upload; a
 * route adds the lead or upload it created) and its counts. One per request, so
 * requests handled at once (the local cloud runs them in one process) never mix.
 */
export interface RequestNote extends Counter {
  readonly keys: RequestKeys;
}

/** A note whose counts go to `counter`. */
export function requestNote(counter?: Counter): RequestNote {
  return {
    keys: {},
    count: (metric: MetricName, value?: number) => counter?.count(metric, value),
  };
}

export interface RouteContext<Body, Query, P extends Principal | undefined> {
  principal: P;
  /** The signed-in person, when a token (not an API key) authenticated the request. */
  user?: SignedInUser;
  params: Record<string, string>;
  body: Body;
  query: Query;
  event: APIGatewayProxyEventV2;
  /** The request's log keys and counts. */
  note: RequestNote;
}

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  /** A body that is not JSON (`text/csv; charset=utf-8`): OpenAPI names its media type. */
  contentType?: string;
}

/** A route: its contract (for validation and OpenAPI) and the use case it calls. */
export interface Route {
  method: Method;
  /** OpenAPI-style template: /v1/partners/{id} */
  path: string;
  summary: string;
  tag: string;
  /** Principal kinds allowed; `public` needs no key. */
  auth: 'public' | readonly PrincipalKind[];
  body?: z.ZodType;
  query?: z.ZodType;
  /** Honours the Idempotency-Key header (writes that create). */
  idempotent?: boolean;
  responses: Record<number, ResponseSpec>;
  handle: (
    ctx: RouteContext<unknown, unknown, Principal | undefined>,
  ) => Promise<APIGatewayProxyStructuredResultV2>;
}

type Auth = 'public' | readonly PrincipalKind[];
type PrincipalFor<A extends Auth> = A extends readonly (infer K)[]
  ? Extract<Principal, { kind: K }>
  : undefined;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/** Declares a route with types flowing from its schemas and auth into its handler. */
export function route<
  const A extends Auth,
  B extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
>(spec: {
  method: Method;
  path: string;
  summary: string;
  tag: string;
  auth: A;
  body?: B;
  query?: Q;
  idempotent?: boolean;
  responses: Record<number, ResponseSpec>;
  handle: (ctx: RouteContext<Out<B>, Out<Q>, PrincipalFor<A>>) => Promise<APIGatewayProxyStructuredResultV2>;
}): Route {
  return spec as unknown as Route;
}

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  names: string[];
}

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const source = route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${source}/?$`), names };
}

/** Who calls, from the request's headers (Authorization, and the tenant a person chose). */
export type Authenticator = (headers: Record<string, string | undefined>) => Promise<Caller>;

/**
 * Matches a request to a route, authenticates, validates body and query with the
 * route's schemas, and calls it. Routes with fixed segments win over parameters
 * (`/v1/leads/export` before `/v1/leads/{id}`).
 */
export class Router {
  private readonly compiled: CompiledRoute[];

  constructor(
    readonly routes: readonly Route[],
    private readonly authenticate: Authenticator,
    private readonly idempotent?: IdempotentRun,
  ) {
    const specificity = (r: Route) => r.path.split('/').filter((s) => s.startsWith('{')).length;
    this.compiled = [...routes].sort((a, b) => specificity(a) - specificity(b)).map(compile);
  }

  async dispatch(
    event: APIGatewayProxyEventV2,
    note: RequestNote = requestNote(),
  ): Promise<APIGatewayProxyStructuredResultV2> {
    const method = event.requestContext.http.method.toUpperCase();
    const path = event.rawPath;
    const matches = this.compiled
      .map((c) => ({ c, m: c.pattern.exec(path) }))
      .filter((x): x is { c: CompiledRoute; m: RegExpExecArray } => x.m !== null);
    if (matches.length === 0) throw new HttpError(404, 'not_found', `No route for ${method} ${path}`);
    const allowed = [...new Set(matches.map((x) => x.c.route.method))];
    if (method === 'OPTIONS' || method === 'HEAD') {
      return json(204, null, { allow: allowed.join(', ') });
    }
    const hit = matches.find((x) => x.c.route.method === method);
    if (!hit) {
      throw new HttpError(405, 'method_not_allowed', `${method} is not allowed on ${path}`, [], {
        allow: allowed.join(', '),
      });
    }
    const { route } = hit.c;
    const params = pathParams(hit.c.names, hit.m);
    noteIds(note, route.path, params);

    let principal: Principal | undefined;
    let user: SignedInUser | undefined;
    if (route.auth !== 'public') {
      ({ principal, user } = await this.authenticate(event.headers));
      if (principal.kind !== 'operator') note.keys.supplierId = principal.supplierId;
      if (principal.kind === 'partner') note.keys.partnerId = principal.partnerId;
      if (!route.auth.includes(principal.kind)) {
        throw new ForbiddenError(`This route is not for a ${principal.kind} key`, [
          { path: 'authorization', message: `needs a ${route.auth.join(' or ')} key` },
        ]);
      }
    }
    const rawBody = readJsonBody(event);
    if (
      !route.body &&
      rawBody !== undefined &&
      !(typeof rawBody === 'object' && rawBody !== null && Object.keys(rawBody).length === 0)
    ) {
      throw new HttpError(400, 'validation_failed', 'This route takes no request body', [
        { path: '', message: 'unexpected body' },
      ]);
    }
    const body = route.body ? parseInput(route.body, rawBody ?? {}, 'request body') : undefined;
    const query = route.query
      ? parseInput(route.query, event.queryStringParameters ?? {}, 'query')
      : undefined;
    const run = () =>
      route.handle({ principal, params, body, query, event, note, ...(user ? { user } : {}) });
    const key = route.idempotent ? idempotencyKey(event.headers['idempotency-key']) : undefined;
    if (key === undefined || !this.idempotent) return run();
    return this.idempotent(
      { principal: principalId(principal), key, method, path, body: JSON.stringify(rawBody ?? null) },
      run,
    );
  }
}

/** The lead or upload a path names (`/v1/leads/{id}/...`, `/v1/uploads/{id}`), as the request's log keys. */
function noteIds(note: RequestNote, template: string, params: Record<string, string>): void {
  const id = params.id;
  if (id === undefined) return;
  if (template.startsWith('/v1/leads/{id}')) note.keys.leadId = id;
  else if (template.startsWith('/v1/uploads/{id}')) note.keys.uploadId = id;
}

/** Every path parameter is an id: opaque, at most 64 characters (ULIDs are 26). */
const PathParam = z.string().min(1, 'must not be empty').max(64, 'must be at most 64 characters');

/**
 * The route's path parameters, decoded and checked before anything else (even
 * authentication), so a damaged %-escape or an overlong id is a 400 naming the
 * parameter, never an exception from deep inside a use case.
 */
function pathParams(names: readonly string[], match: RegExpExecArray): Record<string, string> {
  const params: Record<string, string> = {};
  const details: { path: string; message: string }[] = [];
  names.forEach((name, i) => {
    const raw = match[i + 1] ?? '';
    let value: string;
    try {
      value = decodeURIComponent(raw);
    } catch {
      details.push({ path: `path.${name}`, message: 'is not valid percent-encoded UTF-8' });
      return;
    }
    const checked = PathParam.safeParse(value);
    if (checked.success) params[name] = checked.data;
    else
      details.push(
        ...checked.error.issues.map((issue) => ({ path: `path.${name}`, message: issue.message })),
      );
  });
  const first = details[0];
  if (first) {
    throw new HttpError(400, 'validation_failed', `Invalid path: ${first.path} ${first.message}`, details);
  }
  return params;
}

function principalId(principal: Principal | undefined): string {
  if (!principal) return 'anonymous';
  if (principal.kind === 'operator') return 'operator';
  return principal.kind === 'supplier'
    ? `supplier:${principal.supplierId}`
    : `partner:${principal.partnerId}`;
}
