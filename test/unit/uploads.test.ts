import { CreateUpload, sanitiseFileName, UploadRouting, uploadIdOfKey, uploadKey } from '@leadrelay/core';
import { Keys } from '@leadrelay/store';
import { describe, expect, it } from 'vitest';
import { dropId } from '../../functions/ingest/ingest';
import { s3Event } from '../support/inbox';

const SUPPLIER = '01HZXSUPPLIER0000000000000';
const UPLOAD = '01HZX5K3V9QJ7M2N8P4R6T0W1A';

describe('upload keys', () => {
  it('keeps an upload and its row errors in one partition, errors in row order, uploads newest first by GSI1', () => {
    expect(Keys.upload('s1', 'u1')).toEqual({ PK: 'SUP#s1#UPLOAD#u1', SK: 'UPLOAD' });
    expect(Keys.uploadIndex('s1', 'u1', '2026-01-02T03:04:05.000Z')).toEqual({
      GSI1PK: 'SUP#s1#UPLOADS',
      GSI1SK: '2026-01-02T03:04:05.000Z#u1',
    });
    expect(Keys.uploadRowError('s1', 'u1', 42)).toEqual({ PK: 'SUP#s1#UPLOAD#u1', SK: 'ERR#0000000042' });
    expect(Keys.uploadRowError('s1', 'u1', 10).SK > Keys.uploadRowError('s1', 'u1', 9).SK).toBe(true);
    expect(Keys.uploadRowErrorsOf('s1', 'u1')).toEqual({ PK: 'SUP#s1#UPLOAD#u1', SKPrefix: 'ERR#' });
  });

  it('lays an API upload out as inbox/<supplierId>/<uploadId>/<file>, and finds the id in that key only', () => {
    const key = uploadKey(SUPPLIER, UPLOAD, 'Q3 leads (final).csv');

    expect(key).toBe(`inbox/${SUPPLIER}/${UPLOAD}/Q3-leads-final.csv`);
    expect(uploadIdOfKey(SUPPLIER, key)).toBe(UPLOAD);
    expect(uploadIdOfKey(SUPPLIER, `inbox/${SUPPLIER}/leads.csv`)).toBeUndefined();
    expect(uploadIdOfKey(SUPPLIER, `inbox/${SUPPLIER}/${UPLOAD}/a/b.csv`)).toBeUndefined();
    expect(uploadIdOfKey(SUPPLIER, `inbox/OTHER/${UPLOAD}/b.csv`)).toBeUndefined();
  });
});

describe('sanitiseFileName', () => {
  it.each([
    ['leads.csv', 'leads.csv'],
    ['Leads Q3 (final).xlsx', 'Leads-Q3-final.xlsx'],
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\ann\\Région Nord.csv', 'Region-Nord.csv'],
    ['***', ''],
    [`${'a'.repeat(200)}.csv`, `${'a'.repeat(116)}.csv`],
  ])('%s → %s', (name, safe) => {
    expect(sanitiseFileName(name)).toBe(safe);
  });
});

describe('upload routing', () => {
  it('needs a partner in mode partner only, and a column in mode column only', () => {
    expect(UploadRouting.safeParse({ mode: 'rules' }).success).toBe(true);
    expect(UploadRouting.safeParse({ mode: 'column', column: 'Reseller' }).success).toBe(true);
    expect(UploadRouting.safeParse({ mode: 'partner', partnerId: 'p1' }).success).toBe(true);
    const paths = (value: unknown) =>
      (UploadRouting.safeParse(value).error?.issues ?? []).map((i) => i.path.join('.'));
    expect(paths({ mode: 'partner' })).toEqual(['partnerId']);
    expect(paths({ mode: 'rules', partnerId: 'p1' })).toEqual(['partnerId']);
    expect(paths({ mode: 'partner', partnerId: 'p1', column: 'X' })).toEqual(['column']);
    expect(CreateUpload.safeParse({ fileName: '  ' }).success).toBe(false);
  });
});

describe('dropId', () => {
  const event = (changes: { versionId?: string; sequencer?: string } = {}) =>
    s3Event({
      bucket: 'b',
      key: `inbox/${SUPPLIER}/leads.csv`,
      size: 10,
      eTag: 'abc',
      sequencer: '1',
      ...changes,
    }).Records[0];

  it('is the same for the same S3 event, and new for a new PUT of the same bytes', () => {
    const first = event();
    if (!first) throw new Error('no record');
    expect(dropId(first)).toBe(dropId(structuredClone(first)));
    expect(dropId(first)).toMatch(/^D[0-9A-F]{25}$/);
    expect(dropId(first)).not.toBe(dropId(event({ sequencer: '2' }) ?? first));
    expect(dropId(event({ versionId: 'v1' }) ?? first)).not.toBe(dropId(event({ versionId: 'v2' }) ?? first));
  });
});
