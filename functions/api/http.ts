import { DomainError, type ErrorCode, type ErrorDetail, type LinkFailure } from '@leadrelay/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** An HTTP-only failure (no domain meaning): wrong method, media type, body size. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Every domain code the HTTP edge answers: the domain errors' and the email links' failures. */
export type DomainCode = ErrorCode | LinkFailure;

/**
 * Domain code → HTTP status: the one place where that mapping lives, for the
 * API's JSON errors and the link pages alike. A partner's refusal answers as
 * its kind (REFUSAL_KINDS in core: `not-yours` is `not_found`, and so on).
 */
const STATUS_BY_CODE: Record<DomainCode, number> = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  // The email links (core distribution/links.ts).
  malformed: 400,
  forged: 403,
  'unknown-key': 403,
  expired: 410,
  'lead-gone': 404,
  'partner-gone': 403,
  'partner-disabled': 403,
  'view-only': 405,
};

/** The HTTP status of a domain code. */
export function statusOf(code: DomainCode): number {
  return STATUS_BY_CODE[code];
}

const BASE_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

export function json(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { ...BASE_HEADERS, ...headers }, body: JSON.stringify(body) };
}

function errorBody(code: string, message: string, details: ErrorDetail[]) {
  return { error: { code, message, details } };
}

/**
 * The API's one error shape (`{error: {code, message, details}}`) for anything thrown;
 * `undefined` when the error is not ours (a 500).
 */
export function errorResponse(error: unknown): APIGatewayProxyStructuredResultV2 | undefined {
  if (error instanceof HttpError) {
    return json(error.status, errorBody(error.code, error.message, error.details), error.headers);
  }
  if (error instanceof DomainError) {
    return json(statusOf(error.code), errorBody(error.code, error.message, error.details));
  }
  return undefined;
}

export function internalError(requestId: string): APIGatewayProxyStructuredResultV2 {
  return json(500, errorBody('internal', `Something went wrong on our side; reference ${requestId}`, []));
}

const MAX_BODY_BYTES = 1_048_576;
/** Far deeper than any request the API takes (a lead's custom fields are 4 levels down). */
export const MAX_JSON_DEPTH = 32;

/**
 * How deeply the JSON text nests arrays and objects, counted on the text
 * (strings skipped) so a hostile body is refused before anything recurses
 * over it: parsing, validation and the Idempotency-Key hash all walk the value
 * recursively and would overflow the stack (a RangeError, a 500).
 */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}

/** The request body as JSON: absent → undefined; wrong media type → 415; malformed → 400 naming the position. */
export function readJsonBody(event: APIGatewayProxyEventV2): unknown {
  if (event.body === undefined || event.body === '') return undefined;
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(raw, 'utf8') > MAX_BODY_BYTES) {
    throw new HttpError(413, 'payload_too_large', `The request body is over ${MAX_BODY_BYTES} bytes`);
  }
  const type = event.headers['content-type'] ?? '';
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new HttpError(
      415,
      'unsupported_media_type',
      'Send the body as JSON with "Content-Type: application/json"',
      [{ path: '', message: `content type ${type || '(none)'} is not JSON` }],
    );
  }
  if (nestingDepth(raw) > MAX_JSON_DEPTH) {
    throw new HttpError(400, 'invalid_json', `The request body nests deeper than ${MAX_JSON_DEPTH} levels`, [
      { path: '', message: `nested more than ${MAX_JSON_DEPTH} levels deep` },
    ]);
  }
  try {
    return JSON.parse(raw);
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : 'not valid JSON';
    throw new HttpError(400, 'invalid_json', `The request body is not valid JSON: ${reason}`, [
      { path: '', message: reason },
    ]);
  }
}
