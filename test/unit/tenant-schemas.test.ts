import {
  CreatePartner,
  PatchPartner,
  PatchSupplierSettings,
  parseInput,
  roleAddressWarnings,
  SupplierSettings,
  ValidationError,
} from '@leadrelay/core';
import { describe, expect, it } from 'vitest';

function detailsOf(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error.details;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('supplier settings', () => {
  it('defaults to a 48-hour deadline, 3 reroutes, no rerouting of rejections, score 50', () => {
    expect(SupplierSettings.parse({})).toEqual({
      rerouteAfterMinutes: 2880,
      maxReroutes: 3,
      rerouteRejected: false,
      defaultLeadScore: 50,
      reopenClosedDuplicates: false,
    });
  });

  it('refuses a deadline under one minute, naming the field', () => {
    expect(detailsOf(() => parseInput(PatchSupplierSettings, { rerouteAfterMinutes: 0 }))).toEqual([
      { path: 'rerouteAfterMinutes', message: 'must be at least 1 minute' },
    ]);
  });

  it('refuses an empty patch and unknown settings', () => {
    expect(detailsOf(() => parseInput(PatchSupplierSettings, {}))[0]?.message).toMatch(
      /at least one setting/,
    );
    expect(detailsOf(() => parseInput(PatchSupplierSettings, { rerouteAfter: 5 }))).toEqual([
      { path: 'rerouteAfter', message: 'unknown field' },
    ]);
  });
});

describe('partners', () => {
  it('fills defaults and normalises owner emails and domains', () => {
    const partner = parseInput(CreatePartner, {
      name: '  Northwind  ',
      leadOwners: [{ email: ' Ann@Northwind.Example ' }],
      domains: ['NorthWind.example'],
    });
    expect(partner).toEqual({
      name: 'Northwind',
      groups: [],
      leadOwners: [{ email: 'ann@northwind.example' }],
      salesReps: [],
      autoAccept: false,
      capacity: null,
      paused: false,
      weight: 1,
      domains: ['northwind.example'],
    });
  });

  it('names each bad field by its path', () => {
    const details = detailsOf(() =>
      parseInput(CreatePartner, {
        name: '',
        leadOwners: [{ email: 'ok@example.com' }, { email: 'not-an-email' }],
        weight: 0,
        domains: ['not a domain'],
      }),
    );
    expect(details.map((d) => d.path).sort()).toEqual(['domains.0', 'leadOwners.1.email', 'name', 'weight']);
  });

  it('refuses the same lead owner twice', () => {
    const details = detailsOf(() =>
      parseInput(CreatePartner, {
        name: 'X',
        leadOwners: [{ email: 'a@x.example' }, { email: 'A@x.example' }],
      }),
    );
    expect(details).toEqual([{ path: 'leadOwners', message: 'must not repeat an email' }]);
  });

  it('patches only what it names and has no defaults', () => {
    expect(parseInput(PatchPartner, { paused: true })).toEqual({ paused: true });
  });

  it('warns about role addresses and not about people', () => {
    expect(
      roleAddressWarnings([
        { email: 'sales@x.example' },
        { email: 'ann@x.example' },
        { email: 'Leads+eu@x.example' },
      ]),
    ).toEqual([
      {
        path: 'leadOwners.0.email',
        message: 'sales@x.example is a role address; mail providers often block these',
      },
      {
        path: 'leadOwners.2.email',
        message: 'Leads+eu@x.example is a role address; mail providers often block these',
      },
    ]);
  });
});
