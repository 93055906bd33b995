import { changeLead } from '../leads/change';
import type { Lead } from '../leads/lead';
import type { LinkPageInput } from '../mail/link-page';
import { type RerouteDeps, type RerouteResult, rerouteLead } from './reroute-lead';
import { RejectReason } from './schemas';
import { type LinkClaims, type LinkKeys, signLinkToken, verifyLinkToken } from './tokens';
import { accept, type DecisionRefusal, isRefusal, reject } from './transitions';

/**
 * The email's Accept and Reject links (design.md: "A GET shows a confirmation
 * page and changes nothing; the POST acts"). Each answer is an HTTP status and
 * the page to show: the confirmation with both forms, the outcome, or why the
 * link does not work: malformed 400, forged 403, expired 410, no such lead
 * 404, and 409 for a lead that moved on (rerouted, or another assignment) or
 * was already decided, naming its state.
 */

export interface LinkDeps extends RerouteDeps {
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

function refusalAnswer(refusal: DecisionRefusal, lead: Lead): LinkAnswer {
  const status = refusal.refused === 'not-yours' ? 404 : refusal.refused === 'invalid' ? 400 : 409;
  const now =
    lead.distributionStatus === 'Rerouted' || lead.distributionStatus === 'Pending'
      ? ''
      : ` It is ${lead.distributionStatus} now.`;
  return {
    status,
    page: { title: REFUSAL_TITLES[refusal.refused], message: `${refusal.message}.${now}` },
  };
}

/** A disabled partner's links are refused like its keys, whatever the lead's state. */
const PARTNER_DISABLED: LinkAnswer = {
  status: 403,
  page: {
    title: 'This link no longer works',
    message: 'The supplier has turned off this partner’s access. Ask the supplier about the lead.',
  },
};

type Verified =
  | { ok: true; claims: LinkClaims; lead: Lead; keys: LinkKeys }
  | { ok: false; answer: LinkAnswer };

async function verify(deps: LinkDeps, token: string): Promise<Verified> {
  const keys = await deps.linkKeys();
  const verified = verifyLinkToken(token, keys, deps.clock.now());
  if (!verified.ok) {
    const { status, title, message } = TOKEN_FAILURES[verified.reason];
    return { ok: false, answer: { status, page: { title, message } } };
  }
  const lead = await deps.leads.getLead(verified.claims.leadId);
  if (!lead) {
    return {
      ok: false,
      answer: { status: 404, page: { title: 'No such lead', message: 'This lead no longer exists.' } },
    };
  }
  const partner = await deps.tenants.getPartner(lead.supplierId, verified.claims.partnerId);
  if (partner?.disabled) return { ok: false, answer: PARTNER_DISABLED };
  return { ok: true, claims: verified.claims, lead, keys };
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

/** The confirmation page (GET): the lead and both forms. Changes nothing. */
export async function showLink(deps: LinkDeps, token: string): Promise<LinkAnswer> {
  const checked = await verify(deps, token);
  if (!checked.ok) return checked.answer;
  const { claims, lead, keys } = checked;
  const dryRun = accept(lead, decisionInput(claims, deps.clock.now()));
  if (isRefusal(dryRun)) return refusalAnswer(dryRun, lead);
  const supplier = await deps.tenants.getSupplier(lead.supplierId);
  const sign = (action: 'accept' | 'reject') =>
    action === claims.action ? token : signLinkToken({ ...claims, action }, keys);
  return {
    status: 200,
    page: {
      title: claims.action === 'reject' ? 'Reject this lead?' : 'Accept this lead?',
      message:
        claims.action === 'reject'
          ? 'Tell the supplier why, and the lead goes back to them. Or accept it after all.'
          : 'Accept it to take it on, or reject it with a reason.',
      lead,
      supplierName: supplier?.name,
      acceptAction: sign('accept'),
      rejectAction: sign('reject'),
      focus: claims.action === 'reject' ? 'reject' : 'accept',
    },
  };
}

/** The action (POST): accept, or reject with the form's `reason`. */
export async function actOnLink(
  deps: LinkDeps,
  token: string,
  form: { reason?: string | undefined },
): Promise<LinkAnswer> {
  const checked = await verify(deps, token);
  if (!checked.ok) return checked.answer;
  const { claims, lead } = checked;
  if (claims.action === 'view') {
    return { status: 405, page: { title: 'Nothing to do', message: 'This link only shows the lead.' } };
  }
  const now = deps.clock.now();
  if (claims.action === 'reject') {
    const reason = RejectReason.safeParse(form.reason ?? '');
    if (!reason.success) {
      const shown = await showLink(deps, token);
      if (shown.status !== 200) return shown;
      return {
        status: 400,
        page: {
          ...shown.page,
          formError: 'Please give a reason (up to 500 characters).',
          reason: form.reason,
        },
      };
    }
    const outcome = await changeLead(deps.leads, lead.id, (current) =>
      reject(current, { ...decisionInput(claims, now), reason: reason.data }),
    );
    if ('missing' in outcome)
      return { status: 404, page: { title: 'No such lead', message: 'This lead no longer exists.' } };
    if ('refused' in outcome) return refusalAnswer(outcome.refused as DecisionRefusal, outcome.lead);
    await rerouteIfRejected(deps, outcome.lead, `partner:${claims.partnerId}`);
    return {
      status: 200,
      page: {
        title: 'Lead rejected',
        message: 'Thank you. The supplier sees your reason.',
        lead: outcome.lead,
      },
    };
  }
  const outcome = await changeLead(deps.leads, lead.id, (current) =>
    accept(current, decisionInput(claims, now)),
  );
  if ('missing' in outcome)
    return { status: 404, page: { title: 'No such lead', message: 'This lead no longer exists.' } };
  if ('refused' in outcome) return refusalAnswer(outcome.refused as DecisionRefusal, outcome.lead);
  return {
    status: 200,
    page: {
      title: 'Lead accepted',
      message: 'The lead is yours. Keep its pipeline status up to date as you work it.',
      lead: outcome.lead,
    },
  };
}

/**
 * After a rejection: when the supplier reroutes rejected leads (`rerouteRejected`),
 * the lead goes to the next eligible partner at once (or Unassigned, with why).
 */
export async function rerouteIfRejected(
  deps: RerouteDeps,
  lead: Lead,
  actor: string,
): Promise<RerouteResult | undefined> {
  if (lead.distributionStatus !== 'Rejected') return undefined;
  const supplier = await deps.tenants.getSupplier(lead.supplierId);
  if (!supplier?.settings.rerouteRejected) return undefined;
  return rerouteLead(deps, { leadId: lead.id, trigger: 'rejected', actor });
}
