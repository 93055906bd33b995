import { WEBHOOK_EVENT_TYPES } from '@leadrelay/core';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../packages/console/src/data/webhook-events';

describe('the console’s webhook events', () => {
  it('offers every event a webhook can hear, in core’s order', () => {
    expect([...EVENT_TYPES]).toEqual([...WEBHOOK_EVENT_TYPES]);
  });
});
