import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * A rule set's PUT body split from the version it was read at, and the version the
 * put is conditional on: the body's `version` or the If-Match header when the client
 * sent one (a lost update is then refused), else the version stored now (0: none).
 * An unreadable one is -1, which no stored version matches.
 */
export function rulesPut(
  body: unknown,
  event: Pick<APIGatewayProxyEventV2, 'headers'>,
  storedVersion: number | undefined,
): { draft: Record<string, unknown>; expected: number } {
  const { version, ...draft } = (typeof body === 'object' && body !== null ? body : {}) as {
    version?: unknown;
  } & Record<string, unknown>;
  const ifMatch = event.headers['if-match'] ?? (typeof version === 'number' ? String(version) : undefined);
  const base = ifMatch !== undefined ? Number(ifMatch.replace(/"/g, '')) : (storedVersion ?? 0);
  return { draft, expected: Number.isInteger(base) ? base : -1 };
}
