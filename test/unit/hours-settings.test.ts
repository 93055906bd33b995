import {
  BusinessHours,
  effectiveHours,
  PatchSupplierSettings,
  PutPartnerSettings,
  parseInput,
  partnerHoursProblems,
  SupplierSettings,
  Tenants,
  ValidationError,
} from '@leadrelay/core';
import { describe, expect, it } from 'vitest';
import { TestClock } from '../support/fake-ports';
import { MemoryTenantStore } from '../support/memory-tenants';

/**
 * The settings of business hours, reminders and escalation: good and bad input,
 * each problem naming its field, and a partner's hours over its supplier's.
 */

function detailsOf(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error.details;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

const week = {
  timeZone: 'America/New_York',
  days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'],
  start: '09:00',
  end: '17:00',
  holidays: ['2026-12-25'],
};
const patch = (body: unknown) => parseInput(PatchSupplierSettings, body);
const pathsOf = (body: unknown) => detailsOf(() => patch(body)).map((d) => d.path);

describe('supplier settings: business hours, reminder, escalation', () => {
  it('takes whole hours, a reminder and an escalation address; none of them is on by default', () => {
    expect(
      patch({ businessHours: week, remindBeforeMinutes: 60, escalationEmail: ' Ops@Acme.Example ' }),
    ).toEqual({ businessHours: week, remindBeforeMinutes: 60, escalationEmail: 'ops@acme.example' });
    const defaults = SupplierSettings.parse({});
    expect(defaults.businessHours).toBeUndefined();
    expect(defaults.remindBeforeMinutes).toBeUndefined();
    expect(defaults.escalationEmail).toBeUndefined();
  });

  it('takes null to clear each of them', () => {
    expect(patch({ businessHours: null, remindBeforeMinutes: null, escalationEmail: null })).toEqual({
      businessHours: null,
      remindBeforeMinutes: null,
      escalationEmail: null,
    });
  });

  it('defaults holidays to none and allows 24:00 as the closing time', () => {
    const { holidays: _h, ...noHolidays } = week;
    expect(patch({ businessHours: { ...noHolidays, end: '24:00' } }).businessHours).toEqual({
      ...noHolidays,
      end: '24:00',
      holidays: [],
    });
  });

  it('refuses a time zone that does not exist, naming businessHours.timeZone', () => {
    for (const timeZone of ['Mars/Olympus_Mons', '+05:30', '', 'America/New York']) {
      expect(pathsOf({ businessHours: { ...week, timeZone } })).toEqual(['businessHours.timeZone']);
    }
  });

  it('refuses bad days, times and dates, each by its field', () => {
    expect(pathsOf({ businessHours: { ...week, days: [] } })).toEqual(['businessHours.days']);
    expect(pathsOf({ businessHours: { ...week, days: ['Mon', 'Mon'] } })).toEqual(['businessHours.days']);
    expect(pathsOf({ businessHours: { ...week, days: ['Monday'] } })).toEqual(['businessHours.days.0']);
    expect(pathsOf({ businessHours: { ...week, start: '9:00' } })).toEqual(['businessHours.start']);
    expect(pathsOf({ businessHours: { ...week, start: '24:00' } })).toEqual(['businessHours.start']);
    expect(pathsOf({ businessHours: { ...week, end: '25:00' } })).toEqual(['businessHours.end']);
    expect(pathsOf({ businessHours: { ...week, holidays: ['2026-02-30'] } })).toEqual([
      'businessHours.holidays.0',
    ]);
    expect(pathsOf({ businessHours: { ...week, holidays: ['25/12/2026'] } })).toEqual([
      'businessHours.holidays.0',
    ]);
  });

  it('refuses a closing time that is not after the opening, naming businessHours.end', () => {
    expect(detailsOf(() => patch({ businessHours: { ...week, start: '17:00', end: '09:00' } }))).toEqual([
      { path: 'businessHours.end', message: 'must be after start, on the same day' },
    ]);
    expect(pathsOf({ businessHours: { ...week, start: '09:00', end: '09:00' } })).toEqual([
      'businessHours.end',
    ]);
  });

  it('refuses more than 366 holidays, a missing field and an unknown one', () => {
    const many = Array.from({ length: 367 }, (_, i) =>
      new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10),
    );
    expect(pathsOf({ businessHours: { ...week, holidays: many } })).toEqual(['businessHours.holidays']);
    const { start: _s, ...noStart } = week;
    expect(pathsOf({ businessHours: noStart })).toEqual(['businessHours.start']);
    expect(pathsOf({ businessHours: { ...week, lunch: '12:00' } })).toEqual(['businessHours.lunch']);
  });

  it('refuses a reminder outside 1..43200 minutes and a bad escalation address', () => {
    expect(pathsOf({ remindBeforeMinutes: 0 })).toEqual(['remindBeforeMinutes']);
    expect(pathsOf({ remindBeforeMinutes: 43_201 })).toEqual(['remindBeforeMinutes']);
    expect(pathsOf({ remindBeforeMinutes: 1.5 })).toEqual(['remindBeforeMinutes']);
    expect(pathsOf({ escalationEmail: 'not an address' })).toEqual(['escalationEmail']);
  });
});

describe('a partner’s business hours over its supplier’s', () => {
  const supplier = BusinessHours.parse(week);

  it('replaces the fields it gives: only a time zone keeps the supplier’s hours in the partner’s zone', () => {
    expect(effectiveHours(supplier, { timeZone: 'Europe/London' })).toEqual({
      ...week,
      timeZone: 'Europe/London',
    });
    expect(effectiveHours(supplier, { start: '08:00', holidays: [] })).toEqual({
      ...week,
      start: '08:00',
      holidays: [],
    });
    expect(effectiveHours(supplier, undefined)).toEqual(supplier);
    expect(effectiveHours(undefined, undefined)).toBeUndefined();
  });

  it('must be whole without supplier hours, naming each missing field', () => {
    expect(partnerHoursProblems(undefined, { timeZone: 'Europe/London', days: ['Mon'] })).toEqual([
      {
        path: 'businessHours.start',
        message: 'is required: the supplier has no business hours to take it from',
      },
      {
        path: 'businessHours.end',
        message: 'is required: the supplier has no business hours to take it from',
      },
    ]);
    expect(
      partnerHoursProblems(undefined, { timeZone: 'UTC', days: ['Mon'], start: '09:00', end: '12:00' }),
    ).toEqual([]);
  });

  it('names the clash of its own field with the supplier’s', () => {
    expect(partnerHoursProblems(supplier, { start: '18:00' })).toEqual([
      {
        path: 'businessHours.end',
        message: 'must be after start, on the same day (with the supplier’s end)',
      },
    ]);
  });

  it('counts wall-clock time when the merge is not whole (the supplier cleared its hours later)', () => {
    expect(effectiveHours(undefined, { timeZone: 'Europe/London' })).toBeUndefined();
  });

  it('takes null to clear its hours and checks the fields it gives', () => {
    expect(parseInput(PutPartnerSettings, { businessHours: null })).toEqual({ businessHours: null });
    expect(
      detailsOf(() => parseInput(PutPartnerSettings, { businessHours: { timeZone: 'Nowhere/Land' } })).map(
        (d) => d.path,
      ),
    ).toEqual(['businessHours.timeZone']);
  });

  it('is checked against the supplier’s hours when the partner saves it', async () => {
    const store = new MemoryTenantStore();
    const deps = { store, clock: new TestClock() };
    const { supplier: created } = await Tenants.createSupplier(deps, { name: 'Acme' });
    const { partner } = await Tenants.createPartner(deps, created.id, {
      name: 'North',
      groups: [],
      leadOwners: [],
      salesReps: [],
      autoAccept: false,
      capacity: null,
      paused: false,
      weight: 1,
      domains: [],
    });
    const put = (businessHours: unknown) =>
      Tenants.updatePartnerSettings(
        deps,
        created.id,
        partner.id,
        parseInput(PutPartnerSettings, { businessHours }),
      );

    await expect(put({ timeZone: 'Europe/London' })).rejects.toMatchObject({
      details: expect.arrayContaining([expect.objectContaining({ path: 'businessHours.days' })]),
    });
    await Tenants.updateSettings(deps, created.id, { businessHours: supplier });
    const saved = await put({ timeZone: 'Europe/London' });
    expect(saved.partner.businessHours).toEqual({ timeZone: 'Europe/London' });
    const cleared = await put(null);
    expect(cleared.partner).not.toHaveProperty('businessHours');
    const after = await Tenants.updateSettings(deps, created.id, {
      businessHours: null,
      remindBeforeMinutes: 30,
    });
    expect(after.settings).not.toHaveProperty('businessHours');
    expect(after.settings.remindBeforeMinutes).toBe(30);
  });
});
