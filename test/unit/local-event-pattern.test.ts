import { describe, expect, it } from 'vitest';
import { functionSpecs } from '../../functions/registry';
import { matchesEventPattern } from '../../packages/local/src/event-pattern';
import { buildSesMail, sendDetail, toEventBridgeEvent } from '../../packages/local/src/ses-events';

const where = { region: 'us-east-1', accountId: '000000000000' };

/** An SES Send event as the local SES emulator publishes it, for a mail sent with `configurationSet`. */
const sesEvent = (configurationSet: string) => {
  const mail = buildSesMail({
    messageId: 'm-1',
    from: 'leads@leadrelay.local',
    to: ['ann@partner.example'],
    subject: 'New lead',
    sentAt: new Date('2026-11-23T10:00:00Z'),
    configurationSet,
    ...where,
  });
  return toEventBridgeEvent(sendDetail(mail), { ...where, configurationSet });
};

describe('matching an event against an EventBridge pattern (the local default bus)', () => {
  const emailEvents = functionSpecs['email-events'].events?.pattern({ configurationSet: 'lead-relay' });

  it("gives email-events the SES events of its configuration set (a tag SES sends as an array), and no other set's", () => {
    expect(emailEvents).toBeDefined();
    if (!emailEvents) return;
    expect(matchesEventPattern(emailEvents, sesEvent('lead-relay'))).toBe(true);
    expect(matchesEventPattern(emailEvents, sesEvent('someone-else'))).toBe(false);
    expect(matchesEventPattern(emailEvents, { ...sesEvent('lead-relay'), source: 'aws.s3' })).toBe(false);
  });

  it('needs every field of the pattern, at every depth, with one of the listed values', () => {
    const pattern = { source: ['a', 'b'], detail: { kind: ['x'] } };
    expect(matchesEventPattern(pattern, { source: 'b', detail: { kind: 'x', more: 1 }, extra: true })).toBe(
      true,
    );
    expect(matchesEventPattern(pattern, { source: 'c', detail: { kind: 'x' } })).toBe(false);
    expect(matchesEventPattern(pattern, { source: 'a' })).toBe(false);
    expect(matchesEventPattern(pattern, { source: 'a', detail: 'x' })).toBe(false);
    expect(matchesEventPattern(pattern, { source: ['z', 'a'], detail: { kind: ['x'] } })).toBe(true);
    expect(matchesEventPattern(pattern, null)).toBe(false);
  });
});
