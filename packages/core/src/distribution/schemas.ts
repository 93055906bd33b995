import { z } from 'zod';
import { PipelineStatus } from '../leads/lead';

/** API bodies of the partner's distribution calls (`POST /v1/leads/{id}/reject`, `PATCH /v1/leads/{id}`). */

/** The ISO 4217 currency codes this runtime knows (Intl's list: current currencies, no metals or test codes). */
export const CURRENCY_CODES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

/** Longest reject reason, in characters (after trimming). */
export const MAX_REJECT_REASON_LENGTH = 500;

/** A three-letter ISO 4217 code, trimmed and upper-cased first (" eur " is EUR). */
export const CurrencyCode = z
  .string()
  .trim()
  .toUpperCase()
  .refine(
    (code) => CURRENCY_CODES.has(code),
    'must be a three-letter ISO 4217 currency code like EUR or USD',
  );

/** Why a partner rejects a lead: required, trimmed, 1–500 characters. */
export const RejectReason = z
  .string()
  .trim()
  .min(1, 'a reason is required')
  .max(MAX_REJECT_REASON_LENGTH, `must be at most ${MAX_REJECT_REASON_LENGTH} characters`);

export const RejectBody = z
  .strictObject({ reason: RejectReason.describe('Why the partner does not take the lead (required).') })
  .meta({ id: 'RejectBody' });
export type RejectBody = z.output<typeof RejectBody>;

export const OpportunityValue = z
  .strictObject({
    amount: z.number().min(0, 'must not be negative'),
    currency: CurrencyCode,
  })
  .meta({ id: 'OpportunityValue', description: 'The value of the opportunity, in a currency.' });
export type OpportunityValue = z.output<typeof OpportunityValue>;

/** A partner's sales rep id; null in a PATCH clears it. */
export const SalesRepId = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters');

export const PipelineBody = z
  .strictObject({
    pipelineStatus: PipelineStatus.optional().describe(
      'Open, Contacted, Nurture, Unqualified or Opportunity; Unqualified and Opportunity close the lead.',
    ),
    opportunityValue: OpportunityValue.optional().describe(
      'Required (here or already on the lead) for Opportunity.',
    ),
    salesRepId: SalesRepId.nullable().optional().describe('The sales rep working the lead; null clears it.'),
  })
  .refine((body) => Object.values(body).some((v) => v !== undefined), {
    message: 'name at least one of pipelineStatus, opportunityValue, salesRepId',
    when: (payload) => payload.issues.length === 0,
  })
  .meta({ id: 'PipelineBody' });
export type PipelineBody = z.output<typeof PipelineBody>;
