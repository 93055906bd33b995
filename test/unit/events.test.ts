import { inboxObject, parseSesEvent, RerouteEvent, ValidationError } from '@leadrelay/core';
import { describe, expect, it } from 'vitest';

describe('inbox object keys', () => {
  it('decodes S3 event keys and finds the supplier', () => {
    expect(inboxObject('inbox/01JSUPPLIER/May+leads%282%29.csv')).toEqual({
      key: 'inbox/01JSUPPLIER/May leads(2).csv',
      supplierId: '01JSUPPLIER',
    });
  });

  it('skips keys outside inbox/<supplierId>/', () => {
    expect(inboxObject('exports/01J/x.csv')).toBeUndefined();
    expect(inboxObject('inbox/x.csv')).toBeUndefined();
  });
});

describe('SES events', () => {
  it('reads the type, message id and single-valued tags', () => {
    const event = parseSesEvent({
      eventType: 'Click',
      mail: { messageId: 'm-1', timestamp: '2026-11-23T10:00:00.000Z', tags: { leadId: ['L1'], empty: [] } },
      click: { link: 'https://x.example' },
    });
    expect(event).toMatchObject({ eventType: 'Click', messageId: 'm-1', tags: { leadId: 'L1' } });
  });

  it('refuses an event without a message id, naming the field', () => {
    expect(() => parseSesEvent({ eventType: 'Send', mail: { timestamp: 'x' } })).toThrow(ValidationError);
    expect(() => parseSesEvent({ eventType: 'Send', mail: { timestamp: 'x' } })).toThrow(/mail\.messageId/);
  });
});

describe('reroute events', () => {
  it('accepts a deadline and a sweep, and refuses anything else', () => {
    expect(RerouteEvent.parse({ kind: 'sweep' })).toEqual({ kind: 'sweep' });
    expect(
      RerouteEvent.safeParse({ kind: 'deadline', leadId: 'L', supplierId: 'S', assignmentVersion: 0 })
        .success,
    ).toBe(false);
    expect(RerouteEvent.safeParse({ kind: 'later' }).success).toBe(false);
  });
});
