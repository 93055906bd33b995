import { LEAD_TEXT_FIELDS as CORE_TEXT_FIELDS } from '@leadrelay/core';
import { describe, expect, it } from 'vitest';
import { LEAD_TEXT_FIELDS } from '../../packages/console/src/ui/lead-fields';

describe('the console’s lead fields', () => {
  it('lists every text field a lead has, in core’s order', () => {
    expect([...LEAD_TEXT_FIELDS]).toEqual([...CORE_TEXT_FIELDS]);
  });
});
