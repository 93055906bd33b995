import createClient from 'openapi-fetch';
import type { Cognito } from '../auth/cognito';
import { session } from '../auth/session';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];

/** The API's error body, as every route answers it. */
export interface ApiErrorBody {
  code: string;
  message: string;
  details: { path: string; message: string }[];
}

/** An answer that was not 2xx: the API's code, message and details, for the screen to show as they are. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(body.message);
    this.name = 'ApiError';
  }
}

const TENANT_HEADER = 'x-lead-relay-tenant';
let cognito: Cognito | undefined;

/** The console's one way to the Cognito pool (set once the config is loaded). */
export function useCognito(client: Cognito): void {
  cognito = client;
}

async function freshToken(force = false): Promise<string | undefined> {
  const s = session.get();
  if (!s) return undefined;
  if (!force && s.tokens.expiresAt - Date.now() > 60_000) return s.tokens.idToken;
  if (!cognito || !s.tokens.refreshToken) return s.tokens.idToken;
  try {
    const tokens = await cognito.refresh(s.tokens.refreshToken);
    session.update(tokens);
    return tokens.idToken;
  } catch {
    session.end('Your session expired. Sign in again.');
    return undefined;
  }
}

/**
 * Every API call: the person's ID token (refreshed before it expires) and the chosen tenant.
 * A 401 for a token that is not about to expire means the person is no longer a user here: the session ends at
 * once and the sign-in page says why. A 403 naming the tenant header means they were removed
 * from the tenant they chose: the choice is dropped, and the console asks again.
 */
async function authorizedFetch(request: Request): Promise<Response> {
  const send = async (token: string | undefined) => {
    const r = request.clone();
    if (token) r.headers.set('authorization', `Bearer ${token}`);
    const tenant = session.get()?.tenant;
    if (tenant) r.headers.set(TENANT_HEADER, tenant);
    return fetch(r);
  };
  let response = await send(await freshToken());
  const current = session.get();
  if (response.status === 401 && current) {
    // Refused although the token was fresh: the API's verdict (a removed person), not an expiry.
    if (current.tokens.expiresAt - Date.now() < 5 * 60_000) response = await send(await freshToken(true));
    if (response.status === 401) {
      const body = (await response
        .clone()
        .json()
        .catch(() => undefined)) as { error?: ApiErrorBody } | undefined;
      session.end(body?.error?.message ?? 'You were signed out.');
    }
  } else if (response.status === 403) {
    const body = (await response
      .clone()
      .json()
      .catch(() => undefined)) as { error?: ApiErrorBody } | undefined;
    if (body?.error?.details.some((d) => d.path === TENANT_HEADER)) session.chooseTenant(undefined);
  }
  return response;
}

/** The typed client: paths, parameters and answers all come from the API's OpenAPI document. */
export const api = createClient<paths>({ baseUrl: location.origin, fetch: authorizedFetch });

/**
 * The answer's data, or an ApiError with what the API said. `openapi-fetch` answers
 * `{data, error, response}`; screens want a value or an exception.
 */
export async function ok<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<NonNullable<T>> {
  const { data, error, response } = await call;
  if (!response.ok) throw toApiError(response.status, error);
  return data as NonNullable<T>;
}

export function toApiError(status: number, error: unknown): ApiError {
  const body = (error as { error?: ApiErrorBody } | undefined)?.error;
  return new ApiError(
    status,
    body ?? { code: `http_${status}`, message: `The API answered ${status}`, details: [] },
  );
}

/** Raw authorized fetch, for answers that are not JSON (CSV downloads, files). */
export function authorized(path: string, init?: RequestInit): Promise<Response> {
  return authorizedFetch(new Request(new URL(path, location.origin), init));
}
