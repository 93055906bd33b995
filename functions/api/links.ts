import type { Logger } from '@aws-lambda-powertools/logger';
import {
  actOnLink,
  ConflictError,
  type LinkAnswer,
  type LinkDeps,
  linkPage,
  showLink,
} from '@leadrelay/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** Pages only: inline styles, forms posting back here, nothing else loads. */
const CSP =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': CSP,
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  // The token is in the URL: never hand it to another site.
  'referrer-policy': 'no-referrer',
};
const MAX_FORM_BYTES = 8 * 1024;
const PATH = /^\/l\/([^/]+)\/?$/;

function page(answer: LinkAnswer): APIGatewayProxyStructuredResultV2 {
  return { statusCode: answer.status, headers: HEADERS, body: linkPage(answer.page) };
}

function formOf(event: APIGatewayProxyEventV2): URLSearchParams {
  if (!event.body) return new URLSearchParams();
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  return new URLSearchParams(raw.length > MAX_FORM_BYTES ? '' : raw);
}

/** A failure while answering a link: a page too (a person reads it), never the API's JSON. */
function failurePage(error: unknown, logger: Pick<Logger, 'error'>): LinkAnswer {
  if (error instanceof ConflictError) {
    return {
      status: 409,
      page: {
        title: 'The lead is busy',
        message: 'The lead changed while we acted on it. Open the link again.',
      },
    };
  }
  logger.error('link page failed', { error: error as Error });
  return {
    status: 500,
    page: {
      title: 'Something went wrong',
      message: 'Nothing was lost. Please open the link again in a minute.',
    },
  };
}

/**
 * `/l/{token}` (a trailing slash too): the pages behind the email's Accept and
 * Reject links. GET shows the lead and the forms and changes nothing (mail
 * scanners follow links); POST does what the form's `action` says. Undefined for
 * any other path.
 */
export function linkRoutes(deps: LinkDeps, logger: Pick<Logger, 'error'>) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2 | undefined> => {
    const match = PATH.exec(event.rawPath);
    if (!match?.[1]) return undefined;
    let token: string;
    try {
      token = decodeURIComponent(match[1]);
    } catch {
      // A damaged %-escape: the same answer as any damaged token.
      token = '';
    }
    const method = event.requestContext.http.method.toUpperCase();
    try {
      if (method === 'GET' || method === 'HEAD') return page(await showLink(deps, token));
      if (method === 'POST') {
        const form = formOf(event);
        return page(
          await actOnLink(deps, token, {
            action: form.get('action') ?? undefined,
            reason: form.get('reason') ?? undefined,
          }),
        );
      }
    } catch (error) {
      return page(failurePage(error, logger));
    }
    return {
      statusCode: 405,
      headers: { ...HEADERS, allow: 'GET, POST' },
      body: linkPage({ title: 'Not allowed', message: 'Open the link from the email.' }),
    };
  };
}
