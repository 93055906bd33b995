import {
  actOnLink,
  type Clock,
  type Lead,
  type LinkAction,
  type LinkAnswer,
  type LinkDeps,
  REFUSAL_KINDS,
  showLink,
  signLinkToken,
} from '@leadrelay/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryTenantStore } from '../bench/counting-sink';
import { testLead } from '../support/leads';
import { testLinkKeys } from '../support/link-keys';
import { MemoryLeadStore } from '../support/memory-leads';
import { addTestPartner, addTestSupplier, testPartner } from '../support/tenant-fixtures';

/**
 * Acting on an email link (core distribution/links.ts) over the in-memory
 * LeadStore and TenantStore: what each link shows and does, and the domain
 * code of every way it does nothing. The HTTP statuses and pages of those codes
 * are the edge's (test/integration/distribution.test.ts, the browser test).
 */

const NOW = new Date('2030-01-02T10:00:00.000Z');
const clock: Clock = { now: () => NOW };
const DAY = 86_400_000;

let leads: MemoryLeadStore;
let tenants: MemoryTenantStore;
let deps: LinkDeps;

async function addLead(overrides: Partial<Lead> = {}): Promise<Lead> {
  const lead = testLead({ assignedAt: NOW.toISOString(), ...overrides });
  expect(await leads.putNewLeads([lead], [])).toEqual({ ok: true });
  return lead;
}

/** A link of the lead's email, as distribute signs it. */
function link(action: LinkAction, overrides: { partnerId?: string; assignmentVersion?: number } = {}) {
  return signLinkToken(
    {
      leadId: 'L-1',
      partnerId: overrides.partnerId ?? 'P-A',
      assignmentVersion: overrides.assignmentVersion ?? 1,
      action,
      expiresAt: new Date(NOW.getTime() + 30 * DAY),
    },
    testLinkKeys,
  );
}

const stored = async () => (await leads.getLead('L-1')) as Lead;

/** The answer's page, failing the test when the link did nothing. */
function pageOf(answer: LinkAnswer) {
  if (!answer.ok) throw new Error(`expected a page, got ${JSON.stringify(answer)}`);
  return answer.page;
}

beforeEach(async () => {
  leads = new MemoryLeadStore();
  tenants = new MemoryTenantStore();
  await addTestSupplier(tenants);
  await addTestPartner(tenants, testPartner('P-A'));
  deps = { leads, tenants, clock, linkKeys: async () => testLinkKeys };
});

describe('showLink', () => {
  it('shows the lead, its supplier and both forms, the followed link first, and changes nothing', async () => {
    const lead = await addLead();

    const onAccept = pageOf(await showLink(deps, link('accept')));
    const onReject = pageOf(await showLink(deps, link('reject')));

    expect(onAccept).toMatchObject({
      title: 'Accept this lead?',
      forms: true,
      focus: 'accept',
      supplierName: 'Acme Supply',
      lead: { id: 'L-1' },
    });
    expect(onReject).toMatchObject({ title: 'Reject this lead?', forms: true, focus: 'reject' });
    expect(await stored()).toEqual(lead);
  });

  it('shows a view link’s lead without forms', async () => {
    await addLead();

    expect(pageOf(await showLink(deps, link('view')))).toMatchObject({ forms: false, lead: { id: 'L-1' } });
  });
});

describe('actOnLink', () => {
  it('accepts on the Accept link: Accepted, recorded as the partner’s by email', async () => {
    await addLead();

    const page = pageOf(await actOnLink(deps, link('accept'), {}));

    expect(page).toMatchObject({ title: 'Lead accepted', lead: { distributionStatus: 'Accepted' } });
    const lead = await stored();
    expect(lead).toMatchObject({ distributionStatus: 'Accepted', version: 5 });
    expect(lead.history.at(-1)).toMatchObject({
      type: 'accepted',
      actor: 'partner:P-A',
      detail: { via: 'email', assignmentVersion: 1 },
    });
  });

  it('rejects with the form’s reason, on the Reject link or on the Accept link with action=reject', async () => {
    await addLead();

    const page = pageOf(await actOnLink(deps, link('accept'), { action: 'reject', reason: '  Too far  ' }));

    expect(page.title).toBe('Lead rejected');
    expect(await stored()).toMatchObject({ distributionStatus: 'Rejected', rejectReason: 'Too far' });
  });

  it('accepts on the Reject link when the form says accept', async () => {
    await addLead();

    pageOf(await actOnLink(deps, link('reject'), { action: 'accept' }));

    expect((await stored()).distributionStatus).toBe('Accepted');
  });

  it('refuses a reject without a reason as invalid, with the reject form again, and changes nothing', async () => {
    const lead = await addLead();

    const answer = await actOnLink(deps, link('reject'), { reason: '   ' });

    expect(answer).toMatchObject({
      ok: false,
      refused: { refused: 'invalid', details: [{ path: 'reason' }] },
      form: { forms: true, focus: 'reject', formError: expect.stringContaining('Please give a reason') },
    });
    expect(REFUSAL_KINDS.invalid).toBe('validation_failed');
    expect(await stored()).toEqual(lead);
  });

  it('refuses an action that is neither accept nor reject as invalid, with the form again, and changes nothing', async () => {
    const lead = await addLead();

    const answer = await actOnLink(deps, link('accept'), { action: 'delete' });

    expect(answer).toMatchObject({
      ok: false,
      refused: { refused: 'invalid', details: [{ path: 'action' }] },
      form: { forms: true, focus: 'accept', formError: 'Choose Accept or Reject.' },
    });
    expect(await stored()).toEqual(lead);
  });

  it('never acts on a view link, whatever its form says', async () => {
    const lead = await addLead();

    expect(await actOnLink(deps, link('view'), { action: 'accept' })).toEqual({
      ok: false,
      failure: 'view-only',
    });
    expect(await stored()).toEqual(lead);
  });

  it('refuses a lead already decided, naming its state to its own partner', async () => {
    await addLead();
    pageOf(await actOnLink(deps, link('accept'), {}));

    for (const answer of [
      await actOnLink(deps, link('accept'), {}),
      await actOnLink(deps, link('reject'), { reason: 'changed our mind' }),
      await showLink(deps, link('accept')),
    ]) {
      expect(answer).toMatchObject({
        ok: false,
        refused: { refused: 'already-decided', current: 'Accepted' },
      });
    }
    expect((await stored()).distributionStatus).toBe('Accepted');
  });

  it('lets one of two racing clicks decide; the other is refused as already decided', async () => {
    // A scheduler's turn before every store call, so both clicks read the Pending lead before either writes.
    leads = new MemoryLeadStore(() => new Promise((resolve) => setImmediate(resolve)));
    deps = { ...deps, leads };
    await addLead();

    const answers = await Promise.all([
      actOnLink(deps, link('accept'), {}),
      actOnLink(deps, link('reject'), { reason: 'not ours' }),
    ]);

    expect(answers.filter((a) => a.ok)).toHaveLength(1);
    expect(answers.filter((a) => !a.ok)).toMatchObject([{ refused: { refused: 'already-decided' } }]);
    expect((await stored()).version).toBe(5);
  });

  it('refuses an earlier assignment’s link as stale, and tells a former partner only that the lead moved on', async () => {
    await addTestPartner(tenants, testPartner('P-B'));
    await addLead({
      partnerId: 'P-B',
      partnerName: 'Beta',
      previousPartnerIds: ['P-A'],
      assignmentVersion: 2,
      distributionStatus: 'Accepted',
    });

    const former = await actOnLink(deps, link('accept'), {});
    const earlier = await actOnLink(deps, link('accept', { partnerId: 'P-B', assignmentVersion: 1 }), {});

    expect(former).toEqual({
      ok: false,
      refused: expect.objectContaining({ refused: 'stale', current: undefined }),
    });
    expect(JSON.stringify(former)).not.toMatch(/Beta|P-B|Accepted/);
    expect(earlier).toMatchObject({ ok: false, refused: { refused: 'stale' } });
  });

  it('answers each token failure with its domain code, and changes nothing', async () => {
    const lead = await addLead();
    const token = link('accept');
    const flipped = `${token.slice(0, -2)}${token.at(-2) === 'A' ? 'B' : 'A'}${token.at(-1)}`;
    const retired = signLinkToken(
      {
        leadId: 'L-1',
        partnerId: 'P-A',
        assignmentVersion: 1,
        action: 'accept',
        expiresAt: new Date(NOW.getTime() + DAY),
      },
      { current: { id: 'k0', secret: 'a-key-retired-before-these-keys-0' } },
    );
    const expired = signLinkToken(
      {
        leadId: 'L-1',
        partnerId: 'P-A',
        assignmentVersion: 1,
        action: 'accept',
        expiresAt: new Date(NOW.getTime() - 1000),
      },
      testLinkKeys,
    );

    const cases = [
      ['not-a-token', 'malformed'],
      ['', 'malformed'],
      [flipped, 'forged'],
      [retired, 'unknown-key'],
      [expired, 'expired'],
    ] as const;
    for (const [bad, failure] of cases) {
      expect(await showLink(deps, bad)).toEqual({ ok: false, failure });
      expect(await actOnLink(deps, bad, {})).toEqual({ ok: false, failure });
    }
    expect(await stored()).toEqual(lead);
  });

  it('answers a link whose lead is gone, or whose partner is gone or turned off, with its domain code', async () => {
    expect(await actOnLink(deps, link('accept'), {})).toEqual({ ok: false, failure: 'lead-gone' });

    const lead = await addLead();
    expect(await actOnLink(deps, link('accept', { partnerId: 'P-Z' }), {})).toMatchObject({
      failure: 'partner-gone',
    });
    await tenants.replacePartner(testPartner('P-A'), testPartner('P-A', { disabled: true, version: 2 }));
    expect(await showLink(deps, link('accept'))).toEqual({ ok: false, failure: 'partner-disabled' });
    expect(await actOnLink(deps, link('accept'), {})).toEqual({ ok: false, failure: 'partner-disabled' });
    expect(await stored()).toEqual(lead);
  });
});
