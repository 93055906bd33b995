import { z } from 'zod';
import { EmailAddress } from '../email-address';
import { BusinessHours, PartnerBusinessHours } from '../hours/business-hours';
import { AutoRegistration, AutoRegistrationMode, IgnoredCompanies } from '../registration/rules';

export { EmailAddress };

/**
 * Suppliers, their settings and their partners: one zod schema per shape, which
 * validates requests, types the code and feeds the OpenAPI document.
 */

const Name = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');
const Timestamp = z.iso.datetime();
const Domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/,
    'must be a domain name like example.com',
  );

export const SupplierSettings = z
  .strictObject({
    rerouteAfterMinutes: z
      .int()
      .min(1, 'must be at least 1 minute')
      .max(43_200, 'must be at most 43200 minutes (30 days)')
      .default(2880)
      .describe('How long a partner has to accept or reject before the lead is rerouted.'),
    maxReroutes: z
      .int()
      .min(0)
      .max(20, 'must be at most 20')
      .default(3)
      .describe('How many times one lead may be rerouted.'),
    rerouteRejected: z.boolean().default(false).describe('Reroute a lead at once when a partner rejects it.'),
    defaultLeadScore: z.int().min(0).max(100).default(50).describe('Score given to new distributed leads.'),
    reopenClosedDuplicates: z
      .boolean()
      .default(false)
      .describe(
        'A known email arriving again for a closed lead (Rejected, or Unqualified in the pipeline): false updates its fields and leaves it closed; true routes it again as a new assignment.',
      ),
    businessHours: BusinessHours.optional().describe(
      'When set, rerouteAfterMinutes (and remindBeforeMinutes) count open minutes only, in these hours (a partner may override them). A deadline is fixed when the lead’s email goes out: changing the hours moves no deadline already set.',
    ),
    remindBeforeMinutes: z
      .int()
      .min(1, 'must be at least 1 minute')
      .max(43_200, 'must be at most 43200 minutes (30 days)')
      .optional()
      .describe(
        'One reminder email to the partner this long before the deadline (open minutes with business hours); absent: no reminder.',
      ),
    escalationEmail: EmailAddress.optional().describe(
      'Told by email when a lead runs out of partners (Unassigned by a reroute) or a partner’s email bounces with no other lead owner left.',
    ),
  })
  .meta({ id: 'SupplierSettings' });
export type SupplierSettings = z.output<typeof SupplierSettings>;

export const PatchSupplierSettings = z
  .strictObject({
    rerouteAfterMinutes: SupplierSettings.shape.rerouteAfterMinutes.removeDefault(),
    maxReroutes: SupplierSettings.shape.maxReroutes.removeDefault(),
    rerouteRejected: SupplierSettings.shape.rerouteRejected.removeDefault(),
    defaultLeadScore: SupplierSettings.shape.defaultLeadScore.removeDefault(),
    reopenClosedDuplicates: SupplierSettings.shape.reopenClosedDuplicates.removeDefault(),
    businessHours: BusinessHours.nullable().describe('null clears them: deadlines count wall-clock time.'),
    remindBeforeMinutes: SupplierSettings.shape.remindBeforeMinutes
      .unwrap()
      .nullable()
      .describe('null turns reminders off.'),
    escalationEmail: EmailAddress.nullable().describe('null turns escalation emails off.'),
  })
  .partial()
  .refine((p) => Object.keys(p).length > 0, {
    message: 'name at least one setting to change',
    when: (payload) => payload.issues.length === 0,
  })
  .meta({ id: 'PatchSupplierSettings' });
export type PatchSupplierSettings = z.output<typeof PatchSupplierSettings>;

export const Supplier = z
  .object({
    id: z.string(),
    name: Name,
    settings: SupplierSettings,
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: z.int(),
  })
  .meta({ id: 'Supplier' });
export type Supplier = z.output<typeof Supplier>;

export const CreateSupplier = z.strictObject({ name: Name }).meta({ id: 'CreateSupplier' });
export type CreateSupplier = z.output<typeof CreateSupplier>;

export const LeadOwner = z
  .strictObject({ email: EmailAddress, name: Name.optional() })
  .meta({ id: 'LeadOwner', description: 'A partner user or sales rep who receives lead emails.' });
export type LeadOwner = z.output<typeof LeadOwner>;

export const SalesRep = z
  .strictObject({
    id: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_.@-]{1,64}$/, 'must be 1–64 letters, digits or _ . @ -')
      .describe('The id the pipeline names (`salesRepId`).'),
    name: Name,
    email: EmailAddress.optional(),
  })
  .meta({ id: 'SalesRep', description: 'A partner sales rep who works accepted leads.' });
export type SalesRep = z.output<typeof SalesRep>;

const partnerFields = {
  name: Name.describe('Unique within the supplier (case-insensitive); CSV rows may name a partner by it.'),
  groups: z.array(Name).max(50).describe('Partner groups, for filters and routing.'),
  leadOwners: z
    .array(LeadOwner)
    .max(20, 'must list at most 20 lead owners')
    .refine(
      (owners) => new Set(owners.map((o) => o.email)).size === owners.length,
      'must not repeat an email',
    )
    .describe('Default lead owners: who gets the lead emails.'),
  salesReps: z
    .array(SalesRep)
    .max(200, 'must list at most 200 sales reps')
    .refine((reps) => new Set(reps.map((r) => r.id)).size === reps.length, 'must not repeat an id')
    .describe('Sales reps a lead can be given to (`salesRepId` on the pipeline).'),
  autoAccept: z.boolean().describe('Accept this partner’s leads at once, with an informational email.'),
  capacity: z.int().min(1).nullable().describe('Most Pending leads at once; null for no limit.'),
  paused: z.boolean().describe('A paused partner is skipped by routing.'),
  weight: z.int().min(1).max(1000).describe('Share for the weighted strategy.'),
  domains: z
    .array(Domain)
    .max(500)
    .describe('Accounts the partner owns: leads from these email domains route to it.'),
  disabled: z
    .boolean()
    .describe(
      'A disabled partner’s API keys and email links are refused (absent: enabled). Its keys stay as they are and work again once it is enabled.',
    ),
};

export const CreatePartner = z
  .strictObject({
    name: partnerFields.name,
    groups: partnerFields.groups.default([]),
    leadOwners: partnerFields.leadOwners.default([]),
    salesReps: partnerFields.salesReps.default([]),
    autoAccept: partnerFields.autoAccept.default(false),
    capacity: partnerFields.capacity.default(null),
    paused: partnerFields.paused.default(false),
    weight: partnerFields.weight.default(1),
    domains: partnerFields.domains.default([]),
    disabled: partnerFields.disabled.optional(),
  })
  .meta({ id: 'CreatePartner' });
export type CreatePartner = z.output<typeof CreatePartner>;

export const PatchPartner = z
  .strictObject(partnerFields)
  .partial()
  .refine((p) => Object.keys(p).length > 0, {
    message: 'name at least one field to change',
    when: (payload) => payload.issues.length === 0,
  })
  .meta({ id: 'PatchPartner' });
export type PatchPartner = z.output<typeof PatchPartner>;

/** What a partner has before it chooses: nothing auto-registered. A function, so no two partners share one object. */
const autoRegistrationOff = (): AutoRegistration => ({ mode: 'off', groups: [] });

/** The partner's own registration settings; the supplier's CreatePartner and PatchPartner do not take them. */
const registrationFields = {
  autoRegistration: AutoRegistration.default(autoRegistrationOff),
  ignoredCompanies: IgnoredCompanies.default([]),
};

/** What a partner manages itself (`/v1/partner/settings`); the rest of its record is the supplier's. */
export const PartnerSettings = z
  .object({
    autoAccept: partnerFields.autoAccept,
    leadOwners: partnerFields.leadOwners,
    salesReps: partnerFields.salesReps,
    autoRegistration: AutoRegistration,
    ignoredCompanies: IgnoredCompanies,
    businessHours: PartnerBusinessHours.optional().describe(
      'The partner’s own hours for its deadlines, over the supplier’s (absent: the supplier’s).',
    ),
  })
  .meta({ id: 'PartnerSettings' });
export type PartnerSettings = z.output<typeof PartnerSettings>;

/** Auto-registration in a settings PUT: `groups` left out keeps the partner's groups (switching mode loses none). */
export const PutAutoRegistration = z
  .strictObject({
    mode: AutoRegistrationMode,
    groups: AutoRegistration.shape.groups.removeDefault().optional(),
  })
  .meta({
    id: 'PutAutoRegistration',
    description: 'The mode, and optionally the partner’s own groups (left out: kept as they are).',
  });
export type PutAutoRegistration = z.output<typeof PutAutoRegistration>;

export const PutPartnerSettings = z
  .strictObject({
    autoAccept: partnerFields.autoAccept.optional(),
    leadOwners: partnerFields.leadOwners.optional(),
    salesReps: partnerFields.salesReps.optional(),
    autoRegistration: PutAutoRegistration.optional(),
    ignoredCompanies: IgnoredCompanies.optional(),
    businessHours: PartnerBusinessHours.nullable()
      .optional()
      .describe(
        'The fields given replace the supplier’s; without supplier hours all but holidays are required; null clears them.',
      ),
  })
  .refine((p) => Object.values(p).some((v) => v !== undefined), {
    message:
      'name at least one of autoAccept, leadOwners, salesReps, autoRegistration, ignoredCompanies, businessHours',
    when: (payload) => payload.issues.length === 0,
  })
  .meta({
    id: 'PutPartnerSettings',
    description: 'The settings to replace; the ones left out stay as they are.',
  });
export type PutPartnerSettings = z.output<typeof PutPartnerSettings>;

export const Partner = z
  .object({
    id: z.string(),
    supplierId: z.string(),
    ...CreatePartner.shape,
    ...registrationFields,
    businessHours: PartnerBusinessHours.optional().describe('The partner’s own hours (its settings).'),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    version: z.int(),
  })
  .meta({ id: 'Partner' });
export type Partner = z.output<typeof Partner>;

/** A partner as stored: one written before auto-registration existed has neither of its settings. */
export type StoredPartner = Omit<Partner, keyof typeof registrationFields> &
  Partial<Pick<Partner, keyof typeof registrationFields>>;

/** A stored partner with the settings added since it was written filled with their defaults (stores call this on read). */
export function withPartnerDefaults(partner: StoredPartner): Partner {
  return {
    ...partner,
    autoRegistration: partner.autoRegistration ?? autoRegistrationOff(),
    ignoredCompanies: partner.ignoredCompanies ?? [],
  };
}

/** An API key as its owner sees it: never the key itself (that is shown once, at creation), nor its hash. */
export const ApiKey = z
  .object({
    id: z.string().describe('For `DELETE …/keys/{keyId}`.'),
    prefix: z.string().describe('The key’s first characters, to tell keys apart.'),
    createdAt: Timestamp,
    lastUsedAt: Timestamp.optional().describe(
      'When the key last authenticated a request, to within an hour.',
    ),
    revokedAt: Timestamp.optional().describe('Set once revoked; a revoked key answers 401.'),
  })
  .meta({ id: 'ApiKey' });
export type ApiKey = z.output<typeof ApiKey>;
