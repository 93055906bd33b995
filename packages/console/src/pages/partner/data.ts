import { api, ok, type Schemas } from '../../api/client';
import type { paths } from '../../api/schema';

/**
 * The partner's side of the API, one function per call, for the partner screens: its leads
 * (decide, work the pipeline, register), and its settings with the auto-registration rules.
 * Screens hold no fetch logic of their own.
 */

export type PartnerLead = Schemas['PartnerLead'];
export type PartnerLeadSummary = Schemas['PartnerLeadSummary'];
export type PartnerSettings = Schemas['PartnerSettings'];
export type PutPartnerSettings = Schemas['PutPartnerSettingsInput'];
export type RegistrationDraft = Schemas['RegistrationDraftInput'];
export type RegistrationGroup = Schemas['RegistrationGroupInput'];
export type RuleCondition = Schemas['RuleConditionInput'];
export type CreatePartnerLead = Omit<Schemas['CreateLeadInput'], 'partnerId'>;
export type DistributionStatus = PartnerLead['distributionStatus'];
export type PipelineStatus = NonNullable<PartnerLead['pipelineStatus']>;
export type LeadQuery = NonNullable<paths['/v1/leads']['get']['parameters']['query']>;

/** The pipeline statuses in the order a sales rep works through them; the last two close the lead. */
export const PIPELINE_STATUSES: readonly PipelineStatus[] = [
  'Open',
  'Contacted',
  'Nurture',
  'Unqualified',
  'Opportunity',
];
export const CLOSING_STATUSES: ReadonlySet<PipelineStatus> = new Set(['Unqualified', 'Opportunity']);

/** The distribution statuses a partner's leads can have. */
export const DISTRIBUTION_STATUSES: readonly DistributionStatus[] = [
  'Pending',
  'Rerouted',
  'Accepted',
  'Rejected',
];

/** Waiting for this partner to accept or reject: Pending, or Rerouted to it (pending with it now). */
export const WAITING: readonly DistributionStatus[] = ['Pending', 'Rerouted'];

const byId = (id: string) => ({ params: { path: { id } } });

export const Leads = {
  /** A page of the partner's leads (as a partner key, the API answers only its own). */
  async list(query: LeadQuery): Promise<{ items: PartnerLeadSummary[]; nextCursor: string | null }> {
    const page = await ok(api.GET('/v1/leads', { params: { query } }));
    // Without `columns`, a partner's items are PartnerLeadSummary (the API's description says so).
    return { items: page.items as PartnerLeadSummary[], nextCursor: page.nextCursor };
  },
  async get(id: string): Promise<PartnerLead> {
    return (await ok(api.GET('/v1/leads/{id}', byId(id)))).lead as PartnerLead;
  },
  history(id: string, cursor?: string) {
    return ok(
      api.GET('/v1/leads/{id}/history', {
        params: { path: { id }, query: { limit: 50, ...(cursor ? { cursor } : {}) } },
      }),
    );
  },
  async accept(id: string): Promise<PartnerLead> {
    return (await ok(api.POST('/v1/leads/{id}/accept', byId(id)))).lead;
  },
  async reject(id: string, reason: string): Promise<PartnerLead> {
    return (await ok(api.POST('/v1/leads/{id}/reject', { ...byId(id), body: { reason } }))).lead;
  },
  async pipeline(
    id: string,
    body: Pick<Schemas['LeadPatchInput'], 'pipelineStatus' | 'opportunityValue' | 'salesRepId'>,
  ): Promise<PartnerLead> {
    return (await ok(api.PATCH('/v1/leads/{id}', { ...byId(id), body }))).lead;
  },
  register(id: string) {
    return ok(api.POST('/v1/leads/{id}/register', byId(id)));
  },
  /** A lead of the partner's own (POST /v1/leads as a partner): unregistered unless its rules register it. */
  async create(body: CreatePartnerLead) {
    const answer = await ok(api.POST('/v1/leads', { body }));
    return { ...answer, lead: answer.lead as PartnerLead };
  },
};

export const Settings = {
  get: () => ok(api.GET('/v1/partner/settings')),
  put: (body: PutPartnerSettings) => ok(api.PUT('/v1/partner/settings', { body })),
  /** The supplier's registration rules (what mode `supplier` registers by), read-only for a partner. */
  supplierRules: () => ok(api.GET('/v1/registration-rules')),
  preview: (body: RegistrationDraft, cursor?: string) =>
    ok(
      api.POST('/v1/partner/registration-rules/preview', {
        params: { query: { limit: 50, ...(cursor ? { cursor } : {}) } },
        body,
      }),
    ),
  apply: (body: RegistrationDraft, cursor?: string) =>
    ok(
      api.POST('/v1/partner/registration-rules/apply', {
        params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } },
        body,
      }),
    ),
};
