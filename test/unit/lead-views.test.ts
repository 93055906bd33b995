import {
  displayEmail,
  type LeadFilter,
  LeadListQuery,
  leadFilter,
  leadRow,
  MAX_DRIVING_PARTNERS,
  parseColumns,
  planLeadQuery,
  SEED_COLUMNS,
  ValidationError,
} from '@leadrelay/core';
import { describe, expect, it } from 'vitest';
import { testLead } from '../support/leads';

const base: LeadFilter = { dateField: 'created', sort: 'created', order: 'desc' };
const filter = (query: Record<string, string>, scope?: { partnerId: string }) =>
  leadFilter(
    LeadListQuery.parse(query),
    (g) => (g === 'big' ? ['A', 'B', 'C', 'D', 'E', 'F', 'G'] : ['A', 'B']),
    scope,
  );

describe('display email', () => {
  it('falls back from the email to the names, then the mobile phone, then "No email provided"', () => {
    expect(displayEmail({ email: 'a@x.example', firstName: 'Ada', mobilePhone: '+1' })).toBe('a@x.example');
    expect(displayEmail({ firstName: 'Ada', lastName: 'Lovelace', mobilePhone: '+1' })).toBe('Ada Lovelace');
    expect(displayEmail({ lastName: 'Lovelace' })).toBe('Lovelace');
    expect(displayEmail({ firstName: 'Ada' })).toBe('Ada');
    expect(displayEmail({ mobilePhone: '+49 170 1', phone: '+49 30 1' })).toBe('+49 170 1');
    expect(displayEmail({ phone: '+49 30 1', company: 'Acme' })).toBe('No email provided');
    expect(displayEmail({ email: '', firstName: '' })).toBe('No email provided');
  });
});

describe('columns', () => {
  it('takes core fields and custom.<name>, once each, in the order given', () => {
    expect(parseColumns(undefined)).toBeUndefined();
    expect(parseColumns('email, custom.region,partnerName,email,')).toEqual([
      'email',
      'custom.region',
      'partnerName',
    ]);
    expect(parseColumns('')).toEqual([]);
  });

  it('is a 400 naming every unknown column', () => {
    let error: unknown;
    try {
      parseColumns('email,shoeSize,custom.,history');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details).toEqual([
      { path: 'columns', message: expect.stringContaining('shoeSize, custom., history') },
    ]);
  });

  it('makes rows of id, the seed columns, then the chosen ones', () => {
    const lead = testLead({ customFields: { region: 'EMEA' } });
    const row = leadRow(
      lead,
      ['email', 'custom.region', 'custom.none'],
      new Date('2030-01-03T12:00:00.000Z'),
    );
    expect(Object.keys(row)).toEqual(['id', ...SEED_COLUMNS, 'email', 'custom.region', 'custom.none']);
    expect(row).toMatchObject({
      id: 'L-1',
      distributionStatusChangeDays: 2,
      'custom.region': 'EMEA',
      'custom.none': null,
    });
  });
});

describe('the view planner', () => {
  it('drives by the most selective indexed field, in the written-down order', () => {
    expect(planLeadQuery(base)).toEqual({ driver: { index: 'byCreated' }, rangeOnKey: false, post: [] });
    expect(planLeadQuery(filter({ partnerId: 'A', emailStatus: 'Sent', status: 'Pending' }))).toEqual({
      driver: { index: 'byPartner', partnerIds: ['A'] },
      rangeOnKey: false,
      post: ['statuses', 'emailStatuses'],
    });
    expect(planLeadQuery(filter({ emailStatus: 'Opened,Clicked', pipelineStatus: 'Open' })).driver).toEqual({
      index: 'byEmail',
      emailStatuses: ['Opened', 'Clicked'],
    });
    expect(planLeadQuery(filter({ pipelineStatus: 'Opportunity', status: 'Accepted' })).driver).toEqual({
      index: 'byPipeline',
      pipelineStatuses: ['Opportunity'],
    });
    expect(planLeadQuery(filter({ assigned: 'unassigned', type: 'distributed' })).driver).toEqual({
      index: 'byStatus',
      statuses: ['Unassigned'],
    });
    expect(planLeadQuery(filter({ type: 'registered', q: 'acme' }))).toEqual({
      driver: {
        index: 'bySource',
        pairs: [
          'API',
          'CSV Upload',
          'Manual',
          'Partner Registered',
          'Auto Registered',
          'Locator',
          'Integration',
        ].map((source) => ({ type: 'registered', source })),
      },
      rangeOnKey: false,
      post: ['keywords'],
    });
    expect(planLeadQuery(filter({ source: 'Locator' })).driver).toEqual({
      index: 'bySource',
      pairs: [
        { type: 'distributed', source: 'Locator' },
        { type: 'registered', source: 'Locator' },
      ],
    });
  });

  it('lets keywords drive only with a keyword index and a sort by created', () => {
    const q = filter({ q: 'jose', from: '2030-01-01' });
    expect(planLeadQuery(q, { keywordIndex: true })).toEqual({
      driver: { index: 'keywords' },
      rangeOnKey: true,
      post: [],
    });
    expect(planLeadQuery(q)).toEqual({
      driver: { index: 'byCreated' },
      rangeOnKey: true,
      post: ['keywords'],
    });
    expect(planLeadQuery({ ...q, sort: 'updated' }, { keywordIndex: true })).toEqual({
      driver: { index: 'byUpdated' },
      rangeOnKey: false,
      post: ['date', 'keywords'],
    });
    // A stronger field still drives; the keywords are then checked on what it reads.
    expect(
      planLeadQuery(filter({ q: 'jose', status: 'Rejected' }), { keywordIndex: true }).driver.index,
    ).toBe('byStatus');
  });

  it('serves sort=updated from byUpdated alone, the range on its key only for dateField=updated', () => {
    expect(planLeadQuery(filter({ dateField: 'updated', from: '2030-01-01', partnerId: 'A' }))).toEqual({
      driver: { index: 'byUpdated' },
      rangeOnKey: true,
      post: ['partnerIds'],
    });
    expect(planLeadQuery(filter({ from: '2030-01-01', sort: 'updated', status: 'Pending' }))).toEqual({
      driver: { index: 'byUpdated' },
      rangeOnKey: false,
      post: ['date', 'statuses'],
    });
    expect(planLeadQuery(filter({ dateField: 'updated', to: '2030-01-01', sort: 'created' }))).toEqual({
      driver: { index: 'byCreated' },
      rangeOnKey: false,
      post: ['date'],
    });
  });

  it('drives conflict=true by its sparse index, keeps a partner’s own leads in its scope, and refuses conflict there', () => {
    expect(planLeadQuery(filter({ conflict: 'true', status: 'Pending', partnerId: 'A' }))).toEqual({
      driver: { index: 'byConflict' },
      rangeOnKey: false,
      post: ['statuses', 'partnerIds'],
    });
    expect(planLeadQuery(filter({ conflict: 'false' }))).toEqual({
      driver: { index: 'byCreated' },
      rangeOnKey: false,
      post: ['conflict'],
    });
    const own = filter({ registration: 'unregistered,linked' }, { partnerId: 'A' });
    expect(own).toMatchObject({
      partnerIds: ['A'],
      registrations: ['unregistered', 'linked'],
      withPartnerOwn: true,
    });
    // A partner key's view also reads its partner's own partitions; a supplier's never does.
    // ...alone when the filter asks for those leads only...
    expect(planLeadQuery(own)).toEqual({
      driver: { index: 'byPartner', partnerIds: ['A'], own: { partnerIds: ['A'], only: true } },
      rangeOnKey: false,
      post: ['registrations'],
    });
    expect(planLeadQuery(filter({ sort: 'updated' }, { partnerId: 'A' }))).toEqual({
      driver: { index: 'byUpdated', own: { partnerIds: ['A'] } },
      rangeOnKey: false,
      post: ['partnerIds'],
    });
    expect(
      planLeadQuery(filter({ registration: 'registered,unregistered' }, { partnerId: 'A' })).driver,
    ).toEqual({ index: 'byPartner', partnerIds: ['A'], own: { partnerIds: ['A'] } });
    // ...and not when no partner-only lead can match.
    for (const query of [{ registration: 'registered' }, { type: 'distributed' }] as Record<
      string,
      string
    >[]) {
      expect(planLeadQuery(filter(query, { partnerId: 'A' })).driver).toEqual({
        index: 'byPartner',
        partnerIds: ['A'],
      });
    }
    expect(planLeadQuery(filter({ partnerId: 'A', registration: 'unregistered' })).driver).toEqual({
      index: 'byPartner',
      partnerIds: ['A'],
    });
    expect(() => filter({ conflict: 'true' }, { partnerId: 'A' })).toThrow(/supplier/);
  });

  it('never drives by a field naming all its values, nor by a big partner group; an empty list matches nothing', () => {
    const all = filter({ emailStatus: 'NotSent,Sent,Opened,Clicked,Failed', status: 'Rejected' });
    expect(planLeadQuery(all)).toMatchObject({ driver: { index: 'byStatus' }, post: ['emailStatuses'] });
    expect(filter({ partnerGroup: 'big' }).partnerIds).toHaveLength(MAX_DRIVING_PARTNERS + 1);
    expect(planLeadQuery(filter({ partnerGroup: 'big' }))).toEqual({
      driver: { index: 'byCreated' },
      rangeOnKey: false,
      post: ['partnerIds'],
    });
    expect(planLeadQuery(filter({ partnerGroup: 'small' })).driver).toEqual({
      index: 'byPartner',
      partnerIds: ['A', 'B'],
    });
    // A partner key asking for another partner's leads: nothing, and no Query.
    expect(planLeadQuery(filter({ partnerId: 'B' }, { partnerId: 'A' })).driver).toEqual({ index: 'none' });
    expect(planLeadQuery(filter({ status: 'Pending', assigned: 'unassigned' })).driver).toEqual({
      index: 'none',
    });
  });
});
