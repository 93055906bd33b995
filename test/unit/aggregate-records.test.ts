import { marshall } from '@aws-sdk/util-dynamodb';
import { Reports } from '@leadrelay/core';
import { leadItem } from '@leadrelay/store';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { leadChangeOf } from '../../functions/aggregate/aggregate';
import { testLead } from '../support/leads';

type Image = NonNullable<NonNullable<DynamoDBRecord['dynamodb']>['NewImage']>;
const image = (item: Record<string, unknown>) =>
  marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: false }) as unknown as Image;
const record = (eventName: DynamoDBRecord['eventName'], images: { NewImage?: Image; OldImage?: Image }) =>
  ({ eventName, dynamodb: { SequenceNumber: '1', ...images } }) as DynamoDBRecord;

describe('stream records as lead changes', () => {
  const before = testLead({ version: 4 });
  const after = testLead({ version: 5, distributionStatus: 'Accepted' });

  it('reads a creation and a change: the state after, the state before, the version after', () => {
    expect(leadChangeOf(record('INSERT', { NewImage: image(leadItem(before)) }))).toEqual({
      supplierId: 'S-1',
      leadId: 'L-1',
      version: 4,
      lead: before,
      previous: undefined,
    });
    const change = leadChangeOf(
      record('MODIFY', { NewImage: image(leadItem(after)), OldImage: image(leadItem(before)) }),
    );
    expect(change).toMatchObject({ version: 5, lead: after, previous: before });
  });

  it('makes a removal win over every image of the lead', () => {
    expect(leadChangeOf(record('REMOVE', { OldImage: image(leadItem(after)) }))).toMatchObject({
      version: Reports.REMOVED_VERSION,
      lead: undefined,
      previous: after,
    });
  });

  it('passes over other items, and items tagged Lead that lack the keys the counters need', () => {
    expect(
      leadChangeOf(record('INSERT', { NewImage: image({ PK: 'X', SK: 'Y', entity: 'Note' }) })),
    ).toBeUndefined();
    expect(
      leadChangeOf(
        record('INSERT', { NewImage: image({ PK: 'E2E#1', SK: 'LEAD', entity: 'Lead', email: 'a@b.c' }) }),
      ),
    ).toBeUndefined();
  });
});
