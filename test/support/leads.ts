import { isRefusal, type Lead, type Refusal, type Transition } from '@leadrelay/core';

/** When test leads were created. */
export const CREATED = '2030-01-01T09:00:00.000Z';

/** A Pending lead with Alpha (P-A), assignment version 1, every required field set; override what a test is about. */
export function testLead(overrides: Partial<Lead> = {}): Lead {
  const base: Lead = {
    id: 'L-1',
    supplierId: 'S-1',
    type: 'distributed',
    email: 'buyer@acme.example',
    firstName: 'Ada',
    country: 'Germany',
    score: 50,
    source: 'API',
    customFields: {},
    partnerId: 'P-A',
    partnerName: 'Alpha',
    distributionStatus: 'Pending',
    emailStatus: 'Sent',
    rerouteCount: 0,
    assignmentVersion: 1,
    previousPartnerIds: [],
    displayEmail: 'buyer@acme.example',
    history: [{ at: CREATED, type: 'created', actor: 'supplier', detail: { source: 'API' } }],
    createdAt: CREATED,
    updatedAt: CREATED,
    distributionStatusChangedAt: CREATED,
    version: 4,
  };
  return { ...base, ...overrides };
}

/** The transition, failing the test with the refusal when there is one. */
export function ok<R extends Transition | Refusal>(result: R): Exclude<R, Refusal> {
  if (isRefusal(result)) throw new Error(`refused ${result.refused}: ${result.message}`);
  return result as Exclude<R, Refusal>;
}
