import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEventV2, S3Event } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, answer, type TestApi, testApi } from '../support/api';
import { apiEvent } from '../support/events';
import { type Inbox, lambdaContext, startInbox } from '../support/inbox';
import { ingestHarness } from '../support/ingest';
import { csvBytes, LEAD_HEADER, leadRow } from '../support/lead-files';
import { waitFor } from '../support/wait';

/**
 * A second file under the same key is never silently ignored: each object is an
 * upload of its own. The local S3 emulator keeps no versions (its events carry no
 * versionId, as a bucket without versioning): a file overwritten before it was read
 * fails with `replaced`, and the newer file is read as its own upload.
 */

const OPERATOR_KEY = 'operator-key-for-upload-version-tests-0123';

let inbox: Inbox;
let h: Awaited<ReturnType<typeof ingestHarness>>;
let api: TestApi;

beforeAll(async () => {
  inbox = await startInbox();
  h = await ingestHarness(inbox, 'upload-versions');
  api = testApi(h.table, OPERATOR_KEY, { uploads: { store: h.uploads, signer: inbox.files } });
});

afterAll(async () => {
  await inbox?.stop();
});

const call = (event: APIGatewayProxyEventV2): Promise<Answer> => answer(api, event);
const fileOf = (from: number, count: number) =>
  csvBytes([LEAD_HEADER, ...Array.from({ length: count }, (_, i) => leadRow(from + i))]);

/** The `n`-th S3 event (from 0) the emulator sent for a key. */
function nthEvent(key: string, n: number): Promise<S3Event> {
  return waitFor(
    () => inbox.events.filter((e) => decodeURIComponent(e.Records[0]?.s3.object.key ?? '') === key)[n],
    `S3 event ${n + 1} for ${key}`,
  );
}

describe('a second file dropped under the same key', () => {
  it('is an upload of its own for every PUT, even two of the same bytes at once (each PUT its own sequencer)', async () => {
    const { supplierId } = await h.supplierWith();
    const key = `inbox/${supplierId}/same.csv`;
    const bytes = fileOf(0, 5);

    const putObject = () =>
      inbox.client.send(new PutObjectCommand({ Bucket: inbox.bucket, Key: key, Body: bytes }));
    await Promise.all([putObject(), putObject()]);
    const [first, second] = [await nthEvent(key, 0), await nthEvent(key, 1)];
    await h.handler()(first, lambdaContext());
    await h.handler()(second, lambdaContext());

    expect(first.Records[0]?.s3.object.versionId).toBeUndefined();
    expect(first.Records[0]?.s3.object.sequencer).not.toBe(second.Records[0]?.s3.object.sequencer);
    const uploads = await h.uploadsOf(supplierId);
    expect(uploads.map((u) => [u.status, u.rows])).toEqual([
      ['done', { total: 5, created: expect.any(Number), updated: expect.any(Number), rejected: 0 }],
      ['done', { total: 5, created: expect.any(Number), updated: expect.any(Number), rejected: 0 }],
    ]);
    expect(uploads.reduce((n, u) => n + u.rows.created, 0)).toBe(5);
  });

  it('overwriting a file before it is read: the first fails as replaced, the second is read', async () => {
    const { supplierId } = await h.supplierWith();
    const key = `inbox/${supplierId}/leads.csv`;
    const first = await inbox.put(key, fileOf(0, 3));
    const second = await inbox.put(key, fileOf(100, 4));

    await h.handler()(first, lambdaContext());
    await h.handler()(second, lambdaContext());

    const uploads = await h.uploadsOf(supplierId);
    expect(uploads).toHaveLength(2);
    const failed = uploads.find((u) => u.status === 'failed');
    expect(failed?.failure).toEqual({
      code: 'replaced',
      message:
        'The file was replaced by another file under the same name before it was read; that file is read as an upload of its own',
    });
    expect(uploads.find((u) => u.status === 'done')?.rows).toEqual({
      total: 4,
      created: 4,
      updated: 0,
      rejected: 0,
    });
    expect((await h.leadsOf(supplierId)).map((l) => l.email).sort()).toEqual(
      [100, 101, 102, 103].map((i) => `lead${i}@example.com`),
    );
  });
});

describe('a second PUT to the presigned URL of an upload', () => {
  const createUpload = async (key: string) => {
    const created = await call(
      apiEvent({ method: 'POST', path: '/v1/uploads', key, body: { fileName: 'q4.csv' } }),
    );
    expect(created.status).toBe(201);
    return created.body as { upload: { id: string; key: string }; uploadUrl: string };
  };
  const put = async (url: string, bytes: Uint8Array) => {
    expect((await fetch(url, { method: 'PUT', body: bytes })).status).toBe(200);
  };
  const get = async (key: string, id: string) =>
    (await call(apiEvent({ method: 'GET', path: `/v1/uploads/${id}`, key }))).body.upload;

  it('after the first file was read: the second file is an upload of its own, named on the first', async () => {
    const { supplierId, key } = await h.supplierWith();
    const { upload, uploadUrl } = await createUpload(key);
    await put(uploadUrl, fileOf(0, 3));
    await h.handler()(await nthEvent(upload.key, 0), lambdaContext());

    await put(uploadUrl, fileOf(200, 2));
    await h.handler()(await nthEvent(upload.key, 1), lambdaContext());
    // The second event again (at least once): nothing more.
    await h.handler()(await nthEvent(upload.key, 1), lambdaContext());

    const uploads = await h.uploadsOf(supplierId);
    expect(uploads).toHaveLength(2);
    const second = uploads.find((u) => u.id !== upload.id);
    expect(second).toMatchObject({
      key: upload.key,
      origin: 'api',
      versionOf: upload.id,
      status: 'done',
      rows: { total: 2, created: 2, updated: 0, rejected: 0 },
    });
    const first = await get(key, upload.id);
    expect(first).toMatchObject({
      status: 'done',
      rows: { total: 3, created: 3 },
      otherVersions: [second?.id],
    });
    expect(await h.leadsOf(supplierId)).toHaveLength(5);
  });

  it('before the first file was read: the first fails as replaced (this bucket keeps no versions), the second is read', async () => {
    const { supplierId, key } = await h.supplierWith();
    const { upload, uploadUrl } = await createUpload(key);
    await put(uploadUrl, fileOf(0, 3));
    await put(uploadUrl, fileOf(300, 2));

    await h.handler()(await nthEvent(upload.key, 0), lambdaContext());
    await h.handler()(await nthEvent(upload.key, 1), lambdaContext());

    const first = await get(key, upload.id);
    expect(first).toMatchObject({ status: 'failed', failure: { code: 'replaced' } });
    const [other] = first.otherVersions as string[];
    expect(await get(key, other as string)).toMatchObject({
      versionOf: upload.id,
      status: 'done',
      rows: { total: 2, created: 2 },
    });
    expect(await h.uploadsOf(supplierId)).toHaveLength(2);
  });
});
