import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailboxEmail } from '../../packages/local/src/ses';
import { smokeSteps } from '../smoke/smoke';
import { api, type CloudProcess, repoRoot, startCloudProcess } from './support/local-cloud-process';

// biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
type Json = any;

/** Runs `npm run smoke -- <args>` as ops do (tsx directly: npm adds nothing here), with its exit code and output. */
function smoke(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; output: string }> {
  return new Promise((done, fail) => {
    const { LEADRELAY_OPERATOR_KEY: _ignored, ...inherited } = process.env;
    const child = spawn(
      process.execPath,
      [join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), 'test/smoke/run.ts', ...args],
      {
        cwd: repoRoot,
        env: { ...inherited, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.once('error', fail);
    child.once('close', (code) => done({ code, output }));
  });
}

const idAfter = (output: string, word: string): string => {
  const match = new RegExp(`left behind.*\\b${word} (\\S+)`).exec(output);
  if (!match?.[1]) throw new Error(`no ${word} id in the smoke's output:\n${output}`);
  return match[1];
};

/**
 * The smoke test of a deployment (`npm run smoke`), run against `npm start` as ops run it against
 * AWS: it passes on a healthy local cloud and leaves what it says it leaves, and it fails, naming
 * the step, on a wrong operator key, on an email that bounces and on a wrong command line.
 */
describe('npm run smoke against the local cloud', () => {
  let home: string;
  let cloud: CloudProcess;
  let base: string;
  let operatorKey: string;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'leadrelay-smoke-'));
    cloud = await startCloudProcess(home);
    base = cloud.endpoints.api;
    operatorKey = cloud.endpoints.operatorKey;
  });

  afterAll(async () => {
    await cloud?.kill();
    if (home) await rm(home, { recursive: true, force: true });
  });

  /** A fresh key for a supplier the smoke switched off, so the test can look at what it left. */
  const reopenSupplier = async (supplierId: string): Promise<string> => {
    const created = await api(base, 'POST', `/v1/admin/suppliers/${supplierId}/keys`, operatorKey);
    expect(created.status).toBe(201);
    return (created.body as Json).apiKey;
  };

  it('passes every step, and leaves the lead accepted and its tenants switched off', async () => {
    const { code, output } = await smoke([
      '--api',
      `${base}/`,
      '--operator-key',
      operatorKey,
      '--wait-seconds',
      '60',
    ]);
    expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('smoke: passed') });
    for (const [index, name] of smokeSteps.entries()) {
      expect(output).toContain(`ok    ${String(index + 1).padStart(2)}/${smokeSteps.length} ${name}:`);
    }
    expect(output).not.toContain(operatorKey);

    const supplierId = idAfter(output, 'supplier');
    const partnerId = idAfter(output, 'partner');
    const leadId = idAfter(output, 'lead').replace(/,$/, '');
    // Every key the supplier had is revoked (the listing is the operator's).
    const keys = await api(base, 'GET', `/v1/admin/suppliers/${supplierId}/keys`, operatorKey);
    expect(keys.status).toBe(200);
    const supplierKeys = (keys.body as Json).items as { revokedAt?: string }[];
    expect(supplierKeys.length).toBeGreaterThan(0);
    expect(supplierKeys.filter((k) => !k.revokedAt)).toEqual([]);

    const sup = await reopenSupplier(supplierId);
    const lead = (await api(base, 'GET', `/v1/leads/${leadId}`, sup)).body as Json;
    expect(lead.lead).toMatchObject({ partnerId, distributionStatus: 'Accepted', emailStatus: 'Sent' });
    const partner = (await api(base, 'GET', `/v1/partners/${partnerId}`, sup)).body as Json;
    expect(partner.partner.disabled).toBe(true);
    const partnerKeys = (await api(base, 'GET', `/v1/partners/${partnerId}/keys`, sup)).body as Json;
    expect((partnerKeys.items as { revokedAt?: string }[]).filter((k) => !k.revokedAt)).toEqual([]);
    // The email really went to the mailbox simulator's address, for this lead.
    const mailbox = await fetch(`${cloud.endpoints.mailbox}?to=success@simulator.amazonses.com`);
    const { emails } = (await mailbox.json()) as { emails: MailboxEmail[] };
    expect(emails.filter((email) => email.tags.leadId === leadId)).toHaveLength(1);
  });

  it('fails at "create supplier" with a wrong operator key, and creates nothing', async () => {
    const { code, output } = await smoke(['--api', base, '--operator-key', 'lr_op_not-the-key']);
    expect(code).toBe(1);
    expect(output).toContain(' 2/10 create supplier: POST /v1/admin/suppliers answered 401');
    expect(output).toMatch(/smoke: FAILED at step 2 "create supplier"/);
    expect(output).not.toContain('left behind');
    expect(output).not.toMatch(/cleanup:/);
  });

  it('fails at "email status" when the email bounces, naming the bounce, and still cleans up', async () => {
    const { code, output } = await smoke(
      ['--api', base, '--lead-owner', 'bounce@simulator.amazonses.com', '--wait-seconds', '60'],
      { LEADRELAY_OPERATOR_KEY: operatorKey },
    );
    expect(code).toBe(1);
    expect(output).toMatch(
      /smoke: FAILED at step 6 "email status": emailStatus Failed after .*Bounce\/Permanent/,
    );
    expect(output).not.toMatch(/ 7\/10 accept/);
    for (const name of smokeSteps.filter((step) => step.startsWith('cleanup:'))) {
      expect(output).toMatch(new RegExp(`ok +\\d+/10 ${name}:`));
    }
    const keys = await api(
      base,
      'GET',
      `/v1/admin/suppliers/${idAfter(output, 'supplier')}/keys`,
      operatorKey,
    );
    expect(((keys.body as Json).items as { revokedAt?: string }[]).filter((k) => !k.revokedAt)).toEqual([]);
  });

  it('refuses a command line without the operator key (exit 2, naming the flag)', async () => {
    const { code, output } = await smoke(['--api', base]);
    expect(code).toBe(2);
    expect(output).toContain('--operator-key (or LEADRELAY_OPERATOR_KEY) is required');
  });
});
