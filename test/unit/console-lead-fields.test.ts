import { LEAD_TEXT_FIELDS as CORE_TEXT_FIELDS } from '@leadrelay/core';
import { describe, expect, it } from 'vitest';
import { CORE_COLUMNS, LEAD_TEXT_FIELDS } from '../../packages/console/src/ui/lead-parts';

describe('the console’s lead fields', () => {
  it('lists every text field a lead has, in core’s order, each with a column label', () => {
    expect([...LEAD_TEXT_FIELDS]).toEqual([...CORE_TEXT_FIELDS]);
    const labelled = new Set<string>(CORE_COLUMNS.map((c) => c.id));
    expect(LEAD_TEXT_FIELDS.filter((f) => !labelled.has(f))).toEqual([]);
  });
});
