import type { Clock } from '../clock';
import { changeLead } from '../leads/change';
import type { Lead } from '../leads/lead';
import type { LeadStore } from '../leads/ports';
import type { LinkPageInput } from '../mail/link-page';
import type { TenantStore } from '../tenants/ports';
import type { Partner, Supplier } from '../tenants/schemas';
import { RejectReason } from './schemas';
import { type LinkClaims, type LinkKeys, verifyLinkToken } from './tokens';
import { accept, type DecisionRefusal, isRefusal, reject } from './transitions';

/**
 * The email's Accept and Reject links. A GET shows a confirmation page and
 * changes nothing, because mail scanners follow links; the POST acts. Each
 * answer is an HTTP status and
 * the page to show: the confirmation with both forms, the outcome, or why the
 * link does not work: malformed 400, forged 403, expired 410, no such lead
 * 404, and 409 for a lead that moved on (rerouted, or another assignment) or
 * was already decided. Only the lead's own partner hears its state; a former
 * partner hears that it moved on.
 */

export interface LinkDeps {
  leads: Pick<LeadStore, 'getLead' | 'replaceLead'>;
  tenants: Pick<TenantStore, 'getSupplier' | 'getPartner'>;
  clock: Clock;
  linkKeys: () => Promise<LinkKeys>;
}

export interface LinkAnswer {
  status: number;
  page: LinkPageInput;
}

const TOKEN_FAILURES = {
  malformed: {
    status: 400,
    title: 'This link is not valid',
    message: 'The link is incomplete or damaged. Open it from the email again, without changing it.',
  },
  forged: {
    status: 403,
    title: 'This link is not valid',
    message: 'The link’s signature does not match. Open it from the email again, without changing it.',
  },
  'unknown-key': {
    status: 403,
    title: 'This link is not valid',
    message:
      'The link was signed with a key that is no longer in use. Ask the supplier to send the lead again.',
  },
  expired: {
    status: 410,
    title: 'This link has expired',
    message: 'The link is too old to use. Ask the supplier about the lead if you still want it.',
  },
} as const;

const REFUSAL_TITLES: Record<DecisionRefusal['refused'], string> = {
  'not-yours': 'This lead is not yours',
  stale: 'This lead has moved on',
  'already-decided': 'This lead was already decided',
  'not-pending': 'This lead is not waiting for you',
  invalid: 'Something is missing',
};

function refusalAnswer(refusal: DecisionRefusal): LinkAnswer {
  const status = refusal.refused === 'not-yours' ? 404 : refusal.refused === 'invalid' ? 400 : 409;
  // A former partner's refusal carries no state: it learns only that the lead moved on.
  const now =
    refusal.current === undefined || refusal.current === 'Rerouted' || refusal.current === 'Pending'
      ? ''
      : ` It is ${refusal.current} now.`;
  return {
    status,
    page: { title: REFUSAL_TITLES[refusal.refused], message: `${refusal.message}.${now}` },
  };
}

const NO_SUCH_LEAD: LinkAnswer = {
  status: 404,
  page: { title: 'No such lead', message: 'This lead no longer exists.' },
};

/** A disabled partner's links are refused like its keys, whatever the lead's state. */
const PARTNER_DISABLED: LinkAnswer = {
  status: 403,
  page: {
    title: 'This link no longer works',
    message: 'The supplier has turned off this partner’s access. Ask the supplier about the lead.',
  },
};

/** What a verified link stands on: its claims, the lead now, and the partner and supplier it is for. */
interface Resolved {
  claims: LinkClaims;
  lead: Lead;
  partner: Partner;
  supplier: Supplier | undefined;
}

type Verified = { ok: true; link: Resolved } | { ok: false; answer: LinkAnswer };

/**
 * The token checked, then the lead and the partner it names resolved. The one
 * place a link's partner is looked up: a check on the partner (disabled, say)
 * belongs here, once, for every page and action.
 */
async function verify(deps: LinkDeps, token: string): Promise<Verified> {
  const keys = await deps.linkKeys();
  const verified = verifyLinkToken(token, keys, deps.clock.now());
  if (!verified.ok) {
    const { status, title, message } = TOKEN_FAILURES[verified.reason];
    return { ok: false, answer: { status, page: { title, message } } };
  }
  const { claims } = verified;
  const lead = await deps.leads.getLead(claims.leadId);
  if (!lead) return { ok: false, answer: NO_SUCH_LEAD };
  const [partner, supplier] = await Promise.all([
    deps.tenants.getPartner(lead.supplierId, claims.partnerId),
    deps.tenants.getSupplier(lead.supplierId),
  ]);
  if (!partner) {
    return {
      ok: false,
      answer: {
        status: 403,
        page: { title: 'This link no longer works', message: 'The partner this link was sent to is gone.' },
      },
    };
  }
  if (partner.disabled) return { ok: false, answer: PARTNER_DISABLED };
  return { ok: true, link: { claims, lead, partner, supplier } };
}

function decisionInput(claims: LinkClaims, now: Date) {
  return {
    partnerId: claims.partnerId,
    assignmentVersion: claims.assignmentVersion,
    actor: `partner:${claims.partnerId}`,
    via: 'email' as const,
    now,
  };
}

/** The confirmation page with the lead and both forms, or the refusal when the partner may not decide now. */
function confirmation(link: Resolved, now: Date): LinkAnswer {
  const { claims, lead, supplier } = link;
  const dryRun = accept(lead, decisionInput(claims, now));
  if (isRefusal(dryRun)) return refusalAnswer(dryRun);
  const rejecting = claims.action === 'reject';
  return {
    status: 200,
    page: {
      title: rejecting ? 'Reject this lead?' : 'Accept this lead?',
      message: rejecting
        ? 'Tell the supplier why, and the lead goes back to them. Or accept it after all.'
        : 'Accept it to take it on, or reject it with a reason.',
      lead,
      supplierName: supplier?.name,
      forms: claims.action !== 'view',
      focus: rejecting ? 'reject' : 'accept',
    },
  };
}

/** The confirmation page (GET): the lead and both forms. Changes nothing. */
export async function showLink(deps: LinkDeps, token: string): Promise<LinkAnswer> {
  const checked = await verify(deps, token);
  if (!checked.ok) return checked.answer;
  return confirmation(checked.link, deps.clock.now());
}

/** What a link's form posts: `action` (accept, reject; missing means the link's own) and `reason`. */
export interface LinkForm {
  action?: string | undefined;
  reason?: string | undefined;
}

/** The form shown again, with what was wrong, as a 400 that changes nothing. */
function formAgain(
  link: Resolved,
  now: Date,
  form: LinkForm,
  formError: string,
  focus?: 'reject',
): LinkAnswer {
  const shown = confirmation(link, now);
  if (shown.status !== 200) return shown;
  return {
    status: 400,
    page: { ...shown.page, formError, reason: form.reason, ...(focus ? { focus } : {}) },
  };
}

/**
 * The action (POST): what the form's `action` says, else the link's own
 * action: accept, or reject with the form's
 * `reason`. A reject without a reason, or an action that is neither, is a 400
 * with the form again, and the lead is unchanged. A reroute the rejection calls
 * for is the stream's to do (rerouteIfRejected), not this request's.
 */
export async function actOnLink(deps: LinkDeps, token: string, form: LinkForm): Promise<LinkAnswer> {
  const checked = await verify(deps, token);
  if (!checked.ok) return checked.answer;
  const { link } = checked;
  const { claims, lead } = link;
  const now = deps.clock.now();
  // A view link never acts, whatever its form says: it was made for looking only.
  if (claims.action === 'view') {
    return { status: 405, page: { title: 'Nothing to do', message: 'This link only shows the lead.' } };
  }
  const action = form.action === undefined || form.action === '' ? claims.action : form.action;
  if (action !== 'accept' && action !== 'reject') {
    return formAgain(link, now, form, 'Choose Accept or Reject.');
  }
  let transition: (current: Lead) => ReturnType<typeof accept>;
  if (action === 'reject') {
    const reason = RejectReason.safeParse(form.reason ?? '');
    if (!reason.success) {
      return formAgain(link, now, form, 'Please give a reason (up to 500 characters).', 'reject');
    }
    transition = (current) => reject(current, { ...decisionInput(claims, now), reason: reason.data });
  } else {
    transition = (current) => accept(current, decisionInput(claims, now));
  }
  const outcome = await changeLead(deps.leads, lead.id, transition);
  if ('missing' in outcome) return NO_SUCH_LEAD;
  if ('refused' in outcome) return refusalAnswer(outcome.refused as DecisionRefusal);
  return {
    status: 200,
    page:
      action === 'reject'
        ? { title: 'Lead rejected', message: 'Thank you. The supplier sees your reason.', lead: outcome.lead }
        : {
            title: 'Lead accepted',
            message: 'The lead is yours. Keep its pipeline status up to date as you work it.',
            lead: outcome.lead,
          },
  };
}
