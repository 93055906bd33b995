import {
  CreatePartner,
  type DistributeDeps,
  Intake,
  type IntakeDeps,
  type Lead,
  type Partner,
  Tenants,
} from '@leadrelay/core';
import { FakeDeadlines, FakeMailer, TestClock } from './fake-ports';
import { testLinkKeys } from './link-keys';
import { MemoryLeadStore } from './memory-leads';
import { MemoryRulesStore } from './memory-rules';
import { MemoryTenantStore } from './memory-tenants';

export const PUBLIC_URL = 'https://api.relay.example';

/**
 * A supplier with partners on the in-memory stores, and every port the lead use
 * cases take (fakes for SES, Scheduler and the clock): the ground of the
 * use-case unit tests. `pause` is the lead store's (see MemoryLeadStore).
 */
export async function useCaseWorld(
  partners: readonly Partial<CreatePartner>[],
  options: { pause?: () => Promise<void> } = {},
) {
  const clock = new TestClock();
  const leads = new MemoryLeadStore(options.pause ? { pause: options.pause } : {});
  const tenants = new MemoryTenantStore();
  const rules = new MemoryRulesStore();
  const mailer = new FakeMailer();
  const deadlines = new FakeDeadlines();
  const tenantDeps = { store: tenants, clock };
  const { supplier } = await Tenants.createSupplier(tenantDeps, { name: 'Acme' });
  const made: Partner[] = [];
  for (const [i, input] of partners.entries()) {
    const parsed = CreatePartner.parse({ name: `Partner ${i}`, ...input });
    made.push((await Tenants.createPartner(tenantDeps, supplier.id, parsed)).partner);
  }
  const intakeDeps: IntakeDeps = { leads, tenants, rules, clock };
  const distributeDeps: DistributeDeps = {
    leads,
    tenants,
    mailer,
    deadlines,
    linkKeys: async () => testLinkKeys,
    publicUrl: PUBLIC_URL,
    clock,
  };
  return {
    clock,
    leads,
    tenants,
    rules,
    mailer,
    deadlines,
    supplier,
    partners: made,
    intakeDeps,
    distributeDeps,
    /** One new lead through intake, given to `partner` (explicitly), as the API creates it. */
    async newLead(email: string, partner?: Partner): Promise<Lead> {
      const intake = await Intake.prepare(intakeDeps, supplier.id);
      const [result] = await intake.submit([{ input: { email }, partner: partner?.id }], {
        source: 'API',
        actor: 'supplier',
      });
      if (result?.status !== 'created')
        throw new Error(`intake did not create ${email}: ${JSON.stringify(result)}`);
      return result.lead;
    },
  };
}
