import { describe, expect, it } from 'vitest';
import { parseMaxSendRate, sendRateLimit } from '../../packages/local/src/ses';

describe('the local SES send rate', () => {
  it('lets a second’s worth of recipients through, then refuses until the bucket refills', () => {
    let now = 0;
    const allow = sendRateLimit(2, () => now);
    expect([allow(1), allow(1), allow(1)]).toEqual([true, true, false]);
    now = 499;
    expect(allow(1)).toBe(false);
    now = 500;
    expect([allow(1), allow(1)]).toEqual([true, false]);
    // Idle for long: still only one second's worth, not all the time it was idle.
    now = 60_000;
    expect([allow(1), allow(1), allow(1)]).toEqual([true, true, false]);
  });

  it('sends a message to many recipients while any quota is left, then holds the sends after it back', () => {
    let now = 0;
    const allow = sendRateLimit(2, () => now);
    expect(allow(1)).toBe(true);
    expect(allow(5)).toBe(true);
    // 1 - 1 - 5 = -4 left: two seconds until one send's worth again (at 2 a second, from -4 to 1 is 2.5 s).
    now = 2_000;
    expect(allow(1)).toBe(false);
    now = 2_500;
    expect(allow(1)).toBe(true);
  });

  it('reads LEADRELAY_SES_MAX_SEND_RATE, naming it when it is not a rate', () => {
    expect(parseMaxSendRate(undefined)).toBeUndefined();
    expect(parseMaxSendRate('')).toBeUndefined();
    expect(parseMaxSendRate('14')).toBe(14);
    expect(parseMaxSendRate('0.5')).toBe(0.5);
    for (const bad of ['0', '-3', 'fast', 'Infinity']) {
      expect(() => parseMaxSendRate(bad)).toThrow(
        /LEADRELAY_SES_MAX_SEND_RATE must be a number of emails a second above 0/,
      );
    }
  });
});
