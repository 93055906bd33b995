import type { Clock } from '../clock';
import { changeLead } from '../leads/change';
import type { Lead } from '../leads/lead';
import type { LeadStore } from '../leads/ports';
import type { LinkPageInput } from '../mail/link-page';
import type { TenantStore } from '../tenants/ports';
import type { Partner, Supplier } from '../tenants/schemas';
import { MAX_REJECT_REASON_LENGTH, RejectReason } from './schemas';
import { type LinkClaims, type LinkKeys, type LinkTokenFailure, verifyLinkToken } from './tokens';
import { accept, type DecisionRefusal, isRefusal, refusal, reject } from './transitions';

/**
 * The email's Accept and Reject links. A GET shows a confirmation page and
 * changes nothing, because mail scanners follow links; the POST acts. Each
 * answer is the page to show
 * (the confirmation with both forms, or the outcome), or why the link did
 * nothing as a domain code: a LinkFailure (the token, the lead or partner it
 * names, a view link asked to act) or the partner's DecisionRefusal (the lead
 * moved on, was already decided, the form was wrong). The HTTP edge gives each
 * code its status and page. Only the lead's own partner hears its state; a
 * former partner hears that it moved on.
 */

export interface LinkDeps {
  leads: Pick<LeadStore, 'getLead' | 'replaceLead'>;
  tenants: Pick<TenantStore, 'getSupplier' | 'getPartner'>;
  clock: Clock;
  linkKeys: () => Promise<LinkKeys>;
}

/**
 * Why a link does nothing, before any decision: its token (malformed, forged,
 * signed with a retired key, expired), the lead it names is gone, the partner
 * it was sent to is gone or turned off by the supplier (its links are refused
 * like its keys, whatever the lead's state), or a view link was asked to act.
 */
export type LinkFailure = LinkTokenFailure | 'lead-gone' | 'partner-gone' | 'partner-disabled' | 'view-only';

export type LinkAnswer =
  /**
   * The confirmation (the lead and both forms), or what the action did; `acted`
   * names the lead and the decision when the POST changed it (for the caller's log and counts).
   */
  | {
      ok: true;
      page: LinkPageInput;
      acted?: { leadId: string; supplierId: string; action: 'accept' | 'reject' };
    }
  /** The link did nothing, and nothing changed. */
  | { ok: false; failure: LinkFailure }
  /**
   * The partner may not decide now, and nothing changed. With `form`, the form's
   * input was wrong (`invalid`): the form again, with what was wrong.
   */
  | { ok: false; refused: DecisionRefusal; form?: LinkPageInput };

const failed = (failure: LinkFailure): LinkAnswer => ({ ok: false, failure });

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
  if (!verified.ok) return { ok: false, answer: failed(verified.reason) };
  const { claims } = verified;
  const lead = await deps.leads.getLead(claims.leadId);
  if (!lead) return { ok: false, answer: failed('lead-gone') };
  const [partner, supplier] = await Promise.all([
    deps.tenants.getPartner(lead.supplierId, claims.partnerId),
    deps.tenants.getSupplier(lead.supplierId),
  ]);
  if (!partner) return { ok: false, answer: failed('partner-gone') };
  if (partner.disabled) return { ok: false, answer: failed('partner-disabled') };
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
  if (isRefusal(dryRun)) return { ok: false, refused: dryRun };
  const rejecting = claims.action === 'reject';
  return {
    ok: true,
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

/** The form shown again, with what was wrong (an `invalid` refusal naming the field): nothing changes. */
function formAgain(
  link: Resolved,
  now: Date,
  form: LinkForm,
  problem: { path: 'action' | 'reason'; formError: string },
): LinkAnswer {
  const shown = confirmation(link, now);
  if (!shown.ok) return shown;
  const { path, formError } = problem;
  return {
    ok: false,
    refused: refusal('invalid', link.lead, formError, [{ path, message: formError }]),
    form: {
      ...shown.page,
      formError,
      reason: form.reason,
      ...(path === 'reason' ? { focus: 'reject' as const } : {}),
    },
  };
}

/**
 * The action (POST): what the form's `action` says, else the link's own
 * action: accept, or reject with the form's
 * `reason`. A reject without a reason, or an action that is neither, is an
 * `invalid` refusal with the form again, and the lead is unchanged. A reroute
 * the rejection calls for is the stream's to do (rerouteIfRejected), not this
 * request's.
 */
export async function actOnLink(deps: LinkDeps, token: string, form: LinkForm): Promise<LinkAnswer> {
  const checked = await verify(deps, token);
  if (!checked.ok) return checked.answer;
  const { link } = checked;
  const { claims, lead } = link;
  const now = deps.clock.now();
  // A view link never acts, whatever its form says: it was made for looking only.
  if (claims.action === 'view') return failed('view-only');
  const action = form.action === undefined || form.action === '' ? claims.action : form.action;
  if (action !== 'accept' && action !== 'reject') {
    return formAgain(link, now, form, { path: 'action', formError: 'Choose Accept or Reject.' });
  }
  let transition: (current: Lead) => ReturnType<typeof accept>;
  if (action === 'reject') {
    const reason = RejectReason.safeParse(form.reason ?? '');
    if (!reason.success) {
      return formAgain(link, now, form, {
        path: 'reason',
        formError: `Please give a reason (up to ${MAX_REJECT_REASON_LENGTH} characters).`,
      });
    }
    transition = (current) => reject(current, { ...decisionInput(claims, now), reason: reason.data });
  } else {
    transition = (current) => accept(current, decisionInput(claims, now));
  }
  const outcome = await changeLead(deps.leads, lead.id, transition);
  if ('missing' in outcome) return failed('lead-gone');
  if ('refused' in outcome) return { ok: false, refused: outcome.refused as DecisionRefusal };
  return {
    ok: true,
    acted: { leadId: outcome.lead.id, supplierId: outcome.lead.supplierId, action },
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
