import { actOnLink, type LinkAnswer, type LinkDeps, linkPage, showLink } from '@leadrelay/core';
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

/**
 * `/l/{token}`: the pages behind the email's Accept and Reject links. GET shows
 * the lead and the forms and changes nothing (mail scanners follow links); POST
 * acts. Undefined for any other path.
 */
export function linkRoutes(deps: LinkDeps) {
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
    if (method === 'GET' || method === 'HEAD') return page(await showLink(deps, token));
    if (method === 'POST') {
      return page(await actOnLink(deps, token, { reason: formOf(event).get('reason') ?? undefined }));
    }
    return {
      statusCode: 405,
      headers: { ...HEADERS, allow: 'GET, POST' },
      body: linkPage({ title: 'Not allowed', message: 'Open the link from the email.' }),
    };
  };
}
