import {
  acceptLead,
  type Clock,
  ConflictError,
  changePipeline,
  type DecisionDeps,
  type Lead,
  NotFoundError,
  type Partner,
  type PartnerPrincipal,
  rejectLead,
  ValidationError,
} from '@leadrelay/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryTenantStore } from '../bench/counting-sink';
import { testLead } from '../support/leads';
import { MemoryLeadStore } from '../support/memory-leads';
import { addTestPartner, testPartner } from '../support/tenant-fixtures';

/**
 * The partner's decisions through the API (core distribution/partner-decisions.ts)
 * over the in-memory LeadStore and TenantStore: the wrapper that applies them
 * and the sales-rep check. The routes' HTTP answers are test/integration/api-decisions.test.ts's.
 */

const NOW = new Date('2030-01-02T10:00:00.000Z');
const clock: Clock = { now: () => NOW };
const alpha: PartnerPrincipal = { kind: 'partner', supplierId: 'S-1', partnerId: 'P-A' };

let leads: MemoryLeadStore;
let tenants: MemoryTenantStore;
let deps: DecisionDeps;

const addPartner = (id: string, overrides: Partial<Partner> = {}) =>
  addTestPartner(tenants, testPartner(id, overrides));

async function addLead(overrides: Partial<Lead> = {}): Promise<Lead> {
  const lead = testLead(overrides);
  expect(await leads.putNewLeads([lead], [])).toEqual({ ok: true });
  return lead;
}

const stored = async () => (await leads.getLead('L-1')) as Lead;

beforeEach(async () => {
  leads = new MemoryLeadStore();
  tenants = new MemoryTenantStore();
  deps = { leads, tenants, clock };
  await addPartner('P-A', {
    salesReps: [
      { id: 'rep-1', name: 'Rita' },
      { id: 'rep-2', name: 'Sam' },
    ],
  });
});

describe('acceptLead / rejectLead', () => {
  it('accepts the partner’s Pending lead through the API and answers it after the write', async () => {
    await addLead();

    const lead = await acceptLead(deps, alpha, 'L-1');

    expect(lead).toMatchObject({ distributionStatus: 'Accepted', version: 5 });
    expect(await stored()).toEqual(lead);
    expect(lead.history.at(-1)).toMatchObject({ actor: 'partner:P-A', detail: { via: 'api' } });
  });

  it('rejects with a reason, and refuses one without as a validation error on reason', async () => {
    const before = await addLead();

    await expect(rejectLead(deps, alpha, 'L-1', ' ')).rejects.toMatchObject({
      constructor: ValidationError,
      details: [{ path: 'reason' }],
    });
    expect(await stored()).toEqual(before);
    expect(await rejectLead(deps, alpha, 'L-1', 'Out of area')).toMatchObject({
      distributionStatus: 'Rejected',
      rejectReason: 'Out of area',
    });
  });

  it('refuses a decided lead as a conflict naming its state', async () => {
    await addLead({ distributionStatus: 'Accepted' });

    await expect(rejectLead(deps, alpha, 'L-1', 'late')).rejects.toMatchObject({
      constructor: ConflictError,
      details: [{ path: 'distributionStatus', message: 'is Accepted' }],
    });
  });

  it('answers another partner’s lead, another supplier’s lead and a missing lead alike: not found', async () => {
    await addLead({ partnerId: 'P-B', partnerName: 'Beta' });
    const other: PartnerPrincipal = { kind: 'partner', supplierId: 'S-2', partnerId: 'P-B' };

    await expect(acceptLead(deps, alpha, 'L-1')).rejects.toBeInstanceOf(NotFoundError);
    await expect(acceptLead(deps, other, 'L-1')).rejects.toBeInstanceOf(NotFoundError);
    await expect(acceptLead(deps, alpha, 'L-404')).rejects.toBeInstanceOf(NotFoundError);
    expect((await stored()).distributionStatus).toBe('Pending');
  });
});

describe('changePipeline', () => {
  it('gives an accepted lead to one of the partner’s own sales reps', async () => {
    await addLead({ distributionStatus: 'Accepted' });

    const lead = await changePipeline(deps, alpha, 'L-1', {
      salesRepId: 'rep-2',
      pipelineStatus: 'Contacted',
    });

    expect(lead).toMatchObject({ salesRepId: 'rep-2', pipelineStatus: 'Contacted' });
    expect(await stored()).toEqual(lead);
  });

  it('refuses a sales rep the partner does not have, naming its own, and changes nothing', async () => {
    const before = await addLead({ distributionStatus: 'Accepted' });

    const refused = changePipeline(deps, alpha, 'L-1', { salesRepId: 'rep-9' });

    await expect(refused).rejects.toBeInstanceOf(ValidationError);
    await expect(refused).rejects.toMatchObject({
      details: [{ path: 'salesRepId', message: expect.stringContaining('rep-1, rep-2') }],
    });
    expect(await stored()).toEqual(before);
  });

  it('lets a partner without a list of sales reps name anyone, and clear the rep with null', async () => {
    await addPartner('P-C');
    await addLead({ partnerId: 'P-C', partnerName: 'P-C', distributionStatus: 'Accepted' });
    const charlie: PartnerPrincipal = { kind: 'partner', supplierId: 'S-1', partnerId: 'P-C' };

    expect(await changePipeline(deps, charlie, 'L-1', { salesRepId: 'whoever' })).toMatchObject({
      salesRepId: 'whoever',
    });
    expect(await changePipeline(deps, charlie, 'L-1', { salesRepId: null })).not.toHaveProperty('salesRepId');
  });

  it('refuses a change to a lead not yet accepted as a conflict', async () => {
    await addLead();

    await expect(changePipeline(deps, alpha, 'L-1', { pipelineStatus: 'Open' })).rejects.toBeInstanceOf(
      ConflictError,
    );
  });
});
