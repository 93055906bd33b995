import type { Logger } from '@aws-lambda-powertools/logger';
import {
  actOnLink,
  ConflictError,
  type DecisionRefusal,
  type LinkAnswer,
  type LinkDeps,
  type LinkFailure,
  type LinkPageInput,
  linkPage,
  REFUSAL_KINDS,
  showLink,
} from '@leadrelay/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { Metric } from '../shared/metrics';
import { statusOf } from './http';
import { type RequestNote, requestNote } from './router';

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

/** A page with its status. */
interface Shown {
  status: number;
  page: LinkPageInput;
}

const INVALID_LINK = 'This link is not valid';
const NO_LONGER_WORKS = 'This link no longer works';

/** What a person reads when a link does nothing, by its domain code (the status is http.ts's). */
const FAILURE_PAGES: Record<LinkFailure, LinkPageInput> = {
  malformed: {
    title: INVALID_LINK,
    message: 'The link is incomplete or damaged. Open it from the email again, without changing it.',
  },
  forged: {
    title: INVALID_LINK,
    message: 'The link’s signature does not match. Open it from the email again, without changing it.',
  },
  'unknown-key': {
    title: INVALID_LINK,
    message:
      'The link was signed with a key that is no longer in use. Ask the supplier to send the lead again.',
  },
  expired: {
    title: 'This link has expired',
    message: 'The link is too old to use. Ask the supplier about the lead if you still want it.',
  },
  'lead-gone': { title: 'No such lead', message: 'This lead no longer exists.' },
  'partner-gone': { title: NO_LONGER_WORKS, message: 'The partner this link was sent to is gone.' },
  'partner-disabled': {
    title: NO_LONGER_WORKS,
    message: 'The supplier has turned off this partner’s access. Ask the supplier about the lead.',
  },
  'view-only': { title: 'Nothing to do', message: 'This link only shows the lead.' },
};

const REFUSAL_TITLES: Record<DecisionRefusal['refused'], string> = {
  'not-yours': 'This lead is not yours',
  stale: 'This lead has moved on',
  'already-decided': 'This lead was already decided',
  'not-pending': 'This lead is not waiting for you',
  invalid: 'Something is missing',
};

/** A refusal's page: why, and the lead's state when the partner may know it (a former partner may not). */
function refusalPage(refusal: DecisionRefusal): LinkPageInput {
  const now =
    refusal.current === undefined || refusal.current === 'Rerouted' || refusal.current === 'Pending'
      ? ''
      : ` It is ${refusal.current} now.`;
  return { title: REFUSAL_TITLES[refusal.refused], message: `${refusal.message}.${now}` };
}

/** The use case's answer as a page and its status: the one table's status for each code. */
function shown(answer: LinkAnswer): Shown {
  if (answer.ok) return { status: 200, page: answer.page };
  if ('failure' in answer) return { status: statusOf(answer.failure), page: FAILURE_PAGES[answer.failure] };
  return {
    status: statusOf(REFUSAL_KINDS[answer.refused.refused]),
    page: answer.form ?? refusalPage(answer.refused),
  };
}

function page({ status, page }: Shown): APIGatewayProxyStructuredResultV2 {
  return { statusCode: status, headers: HEADERS, body: linkPage(page) };
}

function formOf(event: APIGatewayProxyEventV2): URLSearchParams {
  if (!event.body) return new URLSearchParams();
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  return new URLSearchParams(raw.length > MAX_FORM_BYTES ? '' : raw);
}

/** A failure while answering a link: a page too (a person reads it), never the API's JSON. */
function failurePage(error: unknown, logger: Pick<Logger, 'error'>): Shown {
  if (error instanceof ConflictError) {
    return {
      status: statusOf(error.code),
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
 * scanners follow links); POST does what the form's `action` says, and an action
 * done is counted (LinksActed) with the lead named in the request's log keys.
 * Undefined for any other path.
 */
export function linkRoutes(deps: LinkDeps, logger: Pick<Logger, 'error'>) {
  return async (
    event: APIGatewayProxyEventV2,
    note: RequestNote = requestNote(),
  ): Promise<APIGatewayProxyStructuredResultV2 | undefined> => {
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
      if (method === 'GET' || method === 'HEAD') return page(shown(await showLink(deps, token)));
      if (method === 'POST') {
        const form = formOf(event);
        const answer = await actOnLink(deps, token, {
          action: form.get('action') ?? undefined,
          reason: form.get('reason') ?? undefined,
        });
        if (answer.ok && answer.acted) {
          note.count(Metric.linksActed);
          note.keys.supplierId = answer.acted.supplierId;
          note.keys.leadId = answer.acted.leadId;
        }
        return page(shown(answer));
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
