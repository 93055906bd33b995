import { z } from 'zod';
import { EmailAddress } from '../email-address';

/**
 * The lead: one zod schema per shape (input, stored lead, history entry), in the
 * words the product's users see (statuses, sources, email status) kept as they are.
 */

export const LeadType = z.enum(['distributed', 'registered']);
export type LeadType = z.output<typeof LeadType>;

export const LeadSource = z.enum([
  'API',
  'CSV Upload',
  'Manual',
  'Partner Registered',
  'Auto Registered',
  'Locator',
  'Integration',
]);
export type LeadSource = z.output<typeof LeadSource>;

export const DistributionStatus = z.enum(['Unassigned', 'Pending', 'Accepted', 'Rejected', 'Rerouted']);
export type DistributionStatus = z.output<typeof DistributionStatus>;

export const EmailStatus = z.enum(['NotSent', 'Sent', 'Opened', 'Clicked', 'Failed']);
export type EmailStatus = z.output<typeof EmailStatus>;

export const PipelineStatus = z.enum(['Open', 'Contacted', 'Nurture', 'Unqualified', 'Opportunity']);
export type PipelineStatus = z.output<typeof PipelineStatus>;

/** The text fields every lead may have, in the order the views show them. */
export const LEAD_TEXT_FIELDS = [
  'email',
  'firstName',
  'lastName',
  'company',
  'title',
  'phone',
  'mobilePhone',
  'country',
  'state',
  'city',
  'postalCode',
  'product',
  'campaign',
] as const;
export type LeadTextField = (typeof LEAD_TEXT_FIELDS)[number];

export const MAX_TEXT_LENGTH = 255;
export const MAX_CUSTOM_FIELDS = 100;
export const MAX_CUSTOM_VALUE_LENGTH = 1000;

/** A text value: trimmed; an empty value is no value. */
const Text = z
  .string()
  .trim()
  .max(MAX_TEXT_LENGTH, `must be at most ${MAX_TEXT_LENGTH} characters`)
  .transform((v) => (v === '' ? undefined : v))
  .optional();

export const CustomFieldName = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9 _.-]{0,63}$/,
    'must start with a letter and use letters, digits, space, _ . - (at most 64)',
  );

export const CustomFieldValue = z.union([
  z.string().max(MAX_CUSTOM_VALUE_LENGTH, `must be at most ${MAX_CUSTOM_VALUE_LENGTH} characters`),
  z.number(),
  z.boolean(),
  z.null(),
]);

export const CustomFields = z
  .record(CustomFieldName, CustomFieldValue)
  .refine((r) => Object.keys(r).length <= MAX_CUSTOM_FIELDS, `must have at most ${MAX_CUSTOM_FIELDS} fields`);
export type CustomFields = z.output<typeof CustomFields>;

/**
 * What a supplier sends for one lead (API body, batch item, or a file row after
 * header matching). `partner` names a partner explicitly, by id or exact name
 * (case-insensitive); `partnerId` is the API's spelling of the same thing.
 */
export const LeadInput = z
  .strictObject({
    email: z
      .string()
      .trim()
      .transform((v) => (v === '' ? undefined : v))
      .pipe(EmailAddress.optional())
      .optional(),
    firstName: Text,
    lastName: Text,
    company: Text,
    title: Text,
    phone: Text,
    mobilePhone: Text,
    country: Text,
    state: Text,
    city: Text,
    postalCode: Text,
    product: Text,
    campaign: Text,
    score: z.coerce.number().int('must be a whole number').min(0).max(100).optional(),
    customFields: CustomFields.optional(),
    partnerId: z.string().trim().min(1).max(200).optional(),
  })
  .meta({ id: 'LeadInput' });
export type LeadInput = z.output<typeof LeadInput>;

export const HistoryEntry = z
  .object({
    at: z.iso.datetime(),
    /** e.g. created, updated, routed, assigned, accepted, rejected, rerouted, email.Sent */
    type: z.string(),
    /** who: `supplier`, `partner:<id>`, `system`, `upload:<id>` */
    actor: z.string(),
    detail: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'HistoryEntry' });
export type HistoryEntry = z.output<typeof HistoryEntry>;

/**
 * How many of the latest history entries the lead itself carries (`Lead.history`)
 * once it has changed. The older entries are items of their own beside the lead
 * (LeadStore.listHistory reads both), so the lead stays small and every change
 * rewrites a small item; a new lead carries all its first entries.
 */
export const LEAD_HISTORY_WINDOW = 2;

/**
 * Where a partner's own lead stands with the supplier: `unregistered` (the partner's
 * alone: the supplier does not see it), `registered` (shared: in the supplier's All
 * Leads and reports), `linked` (the supplier already had a lead of that email: this one
 * stays the partner's record, pointing at it, and the supplier sees no duplicate).
 */
export const RegistrationStatus = z.enum(['unregistered', 'registered', 'linked']);
export type RegistrationStatus = z.output<typeof RegistrationStatus>;

export const Registration = z
  .object({
    status: RegistrationStatus,
    /** When it was registered or linked. */
    at: z.iso.datetime().optional(),
    /** By hand (`POST /v1/leads/{id}/register`) or by auto-registration rules. */
    by: z.enum(['hand', 'rules']).optional(),
    /** Auto-registration: the rule group that matched, and whose rules (the supplier's or the partner's own). */
    group: z.string().optional(),
    rules: z.enum(['supplier', 'own']).optional(),
    /** Linked: the supplier's lead of the same email. */
    linkedLeadId: z.string().optional(),
    /** Linked to a lead another partner has (a channel conflict the supplier sees). */
    conflict: z.boolean().optional(),
  })
  .meta({ id: 'Registration', description: 'A partner lead’s registration with the supplier.' });
export type Registration = z.output<typeof Registration>;

/** A partner that registered the same email as this lead while another partner had it. */
export const ConflictClaim = z.object({
  partnerId: z.string(),
  partnerName: z.string(),
  /** The claiming partner's own lead (linked to this one). */
  leadId: z.string(),
  at: z.iso.datetime(),
});
export type ConflictClaim = z.output<typeof ConflictClaim>;

export const Lead = z
  .object({
    id: z.string(),
    supplierId: z.string(),
    type: LeadType,
    ...Object.fromEntries(LEAD_TEXT_FIELDS.map((f) => [f, z.string().optional()])),
    score: z.int(),
    source: LeadSource,
    customFields: z.record(z.string(), CustomFieldValue),
    partnerId: z.string().nullable(),
    partnerName: z.string().nullable(),
    distributionStatus: DistributionStatus,
    emailStatus: EmailStatus,
    emailFailure: z.object({ type: z.string(), reason: z.string() }).optional(),
    pipelineStatus: PipelineStatus.optional(),
    opportunityValue: z.object({ amount: z.number(), currency: z.string() }).optional(),
    salesRepId: z.string().optional(),
    rejectReason: z.string().optional(),
    rerouteCount: z.int(),
    /** Bumped on every (re)assignment; email links and reroute schedules name it. */
    assignmentVersion: z.int(),
    /** When the current partner got the lead (the reroute deadline counts from here). */
    assignedAt: z.iso.datetime().optional(),
    /** Pending: when the lead goes to the next partner if nobody acts (set when the email goes out). */
    deadlineAt: z.iso.datetime().optional(),
    /**
     * Pending: when the one reminder before the deadline goes out (the supplier's
     * remindBeforeMinutes; set with the deadline, absent when there is none).
     */
    remindAt: z.iso.datetime().optional(),
    /** The reminder sent for an assignment (its idempotency marker: one per assignment). */
    reminded: z
      .object({
        assignmentVersion: z.int(),
        to: z.string().optional(),
        messageId: z.string().optional(),
        at: z.iso.datetime(),
      })
      .optional(),
    /** The latest escalation email to the supplier (`<assignmentVersion>:<kind>`; one per assignment and kind). */
    escalated: z.object({ key: z.string(), at: z.iso.datetime() }).optional(),
    /** Which of the partner's default lead owners the email goes to (0 first; the next after a bounce). */
    emailAttempt: z.int().min(0).optional(),
    /** The email sent for the current assignment (distribute's idempotency marker). */
    notified: z
      .object({
        assignmentVersion: z.int(),
        attempt: z.int(),
        kind: z.enum(['decide', 'info']),
        to: z.string().optional(),
        messageId: z.string().optional(),
        at: z.iso.datetime(),
      })
      .optional(),
    /**
     * The deadline sweep could not reroute the lead: failures in a row and the
     * last error. `flaggedAt`: the sweep gave up after MAX_SWEEP_FAILURES and the
     * lead left the deadline index, so it no longer holds up the sweep; it waits
     * for a person (reassign it). Any new assignment clears it.
     */
    rerouteFailure: z
      .object({
        count: z.int().min(1),
        error: z.string(),
        at: z.iso.datetime(),
        flaggedAt: z.iso.datetime().optional(),
      })
      .optional(),
    /** A partner's own lead (created with a partner key): where it stands with the supplier. */
    registration: Registration.optional(),
    /**
     * Channel conflict, on a lead the supplier sees: other partners registered its email
     * while it was another partner's (or nobody's). The first registration wins; a
     * supplier's reassignment settles it (the field goes). Never shown to partners.
     */
    conflict: z.object({ claims: z.array(ConflictClaim).min(1) }).optional(),
    /** The rule group whose pool the lead came from (for rerouting within the same pool). */
    routingGroup: z.string().optional(),
    /** Partners that already had this lead (never rerouted back to them). */
    previousPartnerIds: z.array(z.string()),
    displayEmail: z.string(),
    /**
     * The latest history entries, oldest first (a new lead's first ones; at most
     * LEAD_HISTORY_WINDOW once it changed). A change appends its entries here; the store
     * moves the older ones to history items (LeadStore.listHistory pages through all).
     */
    history: z.array(HistoryEntry),
    /**
     * How often the current assignment's email was opened and clicked. The first Open
     * and the first Click are history entries; repeats only count here.
     */
    emailReads: z
      .object({ assignmentVersion: z.int(), opens: z.int().min(0), clicks: z.int().min(0) })
      .optional(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    distributionStatusChangedAt: z.iso.datetime(),
    version: z.int(),
  })
  .meta({ id: 'Lead' });
export type Lead = z.output<typeof Lead> & Partial<Record<LeadTextField, string>>;

/**
 * Whether the supplier sees the lead: every lead it brought in, and a partner's own
 * lead once registered (unregistered and linked ones stay the partner's alone).
 */
export function sharedWithSupplier(lead: Pick<Lead, 'registration'>): boolean {
  return lead.registration === undefined || lead.registration.status === 'registered';
}

/** Display email: the email; else first and last name; else mobile phone; else "No email provided". */
export function displayEmail(lead: Partial<Record<LeadTextField, string | undefined>>): string {
  if (lead.email) return lead.email;
  const name = [lead.firstName, lead.lastName].filter(Boolean).join(' ');
  if (name) return name;
  if (lead.mobilePhone) return lead.mobilePhone;
  return 'No email provided';
}

/** Whole days since the distribution status last changed. */
export function distributionStatusChangeDays(
  lead: Pick<Lead, 'distributionStatusChangedAt'>,
  now: Date,
): number {
  return Math.max(0, Math.floor((now.getTime() - Date.parse(lead.distributionStatusChangedAt)) / 86_400_000));
}

/** A lead as the API answers it: the stored lead and the days since its distribution status changed. */
export const LeadView = Lead.extend({ distributionStatusChangeDays: z.int() }).meta({ id: 'LeadView' });
export type LeadView = z.output<typeof LeadView> & Partial<Record<LeadTextField, string>>;

/** A lead in a list: the same, without history. */
export const LeadSummary = LeadView.omit({ history: true }).meta({ id: 'LeadSummary' });
export type LeadSummary = Omit<LeadView, 'history'>;

export function leadView(lead: Lead, now: Date): LeadView {
  return { ...lead, distributionStatusChangeDays: distributionStatusChangeDays(lead, now) };
}

export function leadSummary(lead: Lead, now: Date): LeadSummary {
  const { history: _history, ...rest } = leadView(lead, now);
  return rest;
}
