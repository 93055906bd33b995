/**
 * The smoke test of a deployment: the main flow of the product through its public
 * HTTP API only, so it runs the same against AWS (the stack's ApiUrl) and against
 * `npm start`. Every step either passes or names what went wrong; the tenants it
 * created are switched off at the end (the API deletes no tenant), whatever happened.
 */

/** What the run needs. */
export interface SmokeOptions {
  /** Base URL of the API (the stack's ApiUrl, or `.local/endpoints.json`'s `api`). */
  readonly api: string;
  readonly operatorKey: string;
  /** Who receives the partner's email: the SES mailbox simulator by default, which works in the SES sandbox. */
  readonly leadOwner: string;
  /** How long to await the email's status before giving up. */
  readonly waitSeconds: number;
}

export const defaultLeadOwner = 'success@simulator.amazonses.com';
export const defaultWaitSeconds = 120;

/** What a run left behind, for whoever looks afterwards. */
export interface SmokeResult {
  readonly ok: boolean;
  /** The step that failed (its number and name), when one did. */
  readonly failedStep?: { readonly number: number; readonly name: string; readonly message: string };
  /** Cleanup steps that failed too (reported, never hiding the first failure). */
  readonly cleanupFailures: readonly string[];
  readonly supplierId?: string;
  readonly partnerId?: string;
  readonly leadId?: string;
}

/** The steps, in order; the last three are the cleanup, which runs after a failure too. */
export const smokeSteps = [
  'health',
  'create supplier',
  'create partner',
  'post lead',
  'lead is Pending with the partner',
  'email status',
  'accept',
  'cleanup: disable partner',
  'cleanup: revoke partner keys',
  'cleanup: revoke supplier keys',
] as const;
type StepName = (typeof smokeSteps)[number];

/** A step's failure, with the words the operator reads. */
class StepFailed extends Error {}

// biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field, with a message per field
type Json = any;

const requestTimeoutMs = 20_000;

/** Runs the flow, writing one line per step to `out`; never throws. */
export async function runSmoke(options: SmokeOptions, out: (line: string) => void): Promise<SmokeResult> {
  const base = options.api.replace(/\/+$/, '');
  const runId = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, 'Z');
  const startedAt = Date.now();
  const state: {
    supplierId?: string;
    supplierKey?: string;
    partnerId?: string;
    partnerKey?: string;
    leadId?: string;
  } = {};
  let failedStep: SmokeResult['failedStep'];
  const cleanupFailures: string[] = [];

  /** One HTTP call; anything but one of the `expected` statuses is the step's failure, quoting the API's error. */
  const call = async (
    method: string,
    path: string,
    key: string | undefined,
    body: unknown,
    expected: number[],
  ): Promise<{ status: number; body: Json }> => {
    const headers: Record<string, string> = {};
    if (key !== undefined) headers.authorization = `Bearer ${key}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers,
        signal: AbortSignal.timeout(requestTimeoutMs),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new StepFailed(
        `${method} ${path} got no answer from ${base}: ${cause?.code ?? cause?.message ?? String(error)}`,
      );
    }
    const text = await response.text();
    let parsed: Json = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON (a gateway's own page): quoted as text below.
    }
    if (!expected.includes(response.status)) {
      const error = parsed?.error;
      const said =
        error && typeof error === 'object'
          ? `${error.code}: ${error.message}`
          : JSON.stringify(text.slice(0, 200));
      throw new StepFailed(`${method} ${path} answered ${response.status} (${said})`);
    }
    return { status: response.status, body: parsed };
  };

  const step = async (name: StepName, run: () => Promise<string>): Promise<boolean> => {
    const number = smokeSteps.indexOf(name) + 1;
    const label = `${String(number).padStart(2)}/${smokeSteps.length} ${name}`;
    const at = Date.now();
    try {
      const detail = await run();
      out(`ok    ${label}: ${detail} (${Date.now() - at} ms)`);
      return true;
    } catch (error) {
      const message = error instanceof StepFailed ? error.message : String(error);
      out(`FAIL  ${label}: ${message}`);
      if (name.startsWith('cleanup:')) cleanupFailures.push(`${name}: ${message}`);
      else failedStep ??= { number, name, message };
      return false;
    }
  };
  const check = (condition: boolean, message: string) => {
    if (!condition) throw new StepFailed(message);
  };

  out(`smoke: ${base} (run ${runId})`);

  const flow: [StepName, () => Promise<string>][] = [
    [
      'health',
      async () => {
        const { body } = await call('GET', '/health', undefined, undefined, [200]);
        check(body?.ok === true, `GET /health answered ${JSON.stringify(body)}, not {"ok": true}`);
        return 'GET /health answered {"ok": true}';
      },
    ],
    [
      'create supplier',
      async () => {
        const name = `Smoke test ${runId}`;
        const { body } = await call('POST', '/v1/admin/suppliers', options.operatorKey, { name }, [201]);
        check(typeof body?.supplier?.id === 'string', 'the answer holds no supplier.id');
        check(typeof body?.apiKey === 'string', 'the answer holds no apiKey');
        state.supplierId = body.supplier.id;
        state.supplierKey = body.apiKey;
        return `supplier ${body.supplier.id} "${name}"`;
      },
    ],
    [
      'create partner',
      async () => {
        const { body } = await call(
          'POST',
          '/v1/partners',
          state.supplierKey,
          { name: `Smoke partner ${runId}`, leadOwners: [{ email: options.leadOwner, name: 'Smoke test' }] },
          [201],
        );
        check(typeof body?.partner?.id === 'string', 'the answer holds no partner.id');
        check(typeof body?.apiKey === 'string', 'the answer holds no apiKey');
        state.partnerId = body.partner.id;
        state.partnerKey = body.apiKey;
        return `partner ${body.partner.id}, lead owner ${options.leadOwner}`;
      },
    ],
    [
      'post lead',
      async () => {
        const { body } = await call(
          'POST',
          '/v1/leads',
          state.supplierKey,
          {
            email: `smoke-${runId.toLowerCase()}@smoke-test.example`,
            firstName: 'Smoke',
            lastName: 'Test',
            company: 'Smoke Test Inc',
            partnerId: state.partnerId,
          },
          [201],
        );
        check(typeof body?.lead?.id === 'string', 'the answer holds no lead.id');
        state.leadId = body.lead.id;
        return `lead ${body.lead.id}`;
      },
    ],
    [
      'lead is Pending with the partner',
      async () => {
        const path = `/v1/leads/${state.leadId}`;
        const supplierView = (await call('GET', path, state.supplierKey, undefined, [200])).body?.lead;
        check(
          supplierView?.distributionStatus === 'Pending' && supplierView?.partnerId === state.partnerId,
          `the supplier reads it ${supplierView?.distributionStatus} with partner ${supplierView?.partnerId}, ` +
            `not Pending with ${state.partnerId}`,
        );
        const partnerView = (await call('GET', path, state.partnerKey, undefined, [200])).body?.lead;
        check(
          partnerView?.distributionStatus === 'Pending',
          `the partner reads it ${partnerView?.distributionStatus}, not Pending`,
        );
        return `Pending with ${state.partnerId}, in the supplier's and the partner's view`;
      },
    ],
    [
      'email status',
      async () => {
        // Sent comes with SES's Send event; the Delivery event in the history says the recipient's mail
        // server took it. A bounce or complaint makes the status Failed, with the reason.
        const path = `/v1/leads/${state.leadId}`;
        const deadline = Date.now() + options.waitSeconds * 1000;
        const since = Date.now();
        const delivered = (lead: Json) =>
          Array.isArray(lead?.history) &&
          lead.history.some((entry: Json) => entry?.type === 'email.Delivery');
        let lead: Json;
        for (let delay = 250; ; delay = Math.min(delay * 2, 2000)) {
          lead = (await call('GET', path, state.supplierKey, undefined, [200])).body?.lead;
          if (lead?.emailStatus === 'Failed' || delivered(lead)) break;
          if (Date.now() + delay > deadline) {
            throw new StepFailed(
              `emailStatus ${lead?.emailStatus} and no SES Delivery event after ${options.waitSeconds} s ` +
                "(read the distribute and email-events functions' logs)",
            );
          }
          await new Promise((done) => setTimeout(done, delay));
        }
        const seconds = ((Date.now() - since) / 1000).toFixed(1);
        const failure = lead?.emailFailure;
        check(
          lead?.emailStatus !== 'Failed',
          `emailStatus Failed after ${seconds} s: ${failure ? `${failure.type}, ${failure.reason}` : 'no reason given'}`,
        );
        check(
          ['Sent', 'Opened', 'Clicked'].includes(lead?.emailStatus),
          `emailStatus ${JSON.stringify(lead?.emailStatus)} with a Delivery event; expected Sent, Opened or Clicked`,
        );
        return `${lead.emailStatus}, and SES reported the Delivery, after ${seconds} s`;
      },
    ],
    [
      'accept',
      async () => {
        const path = `/v1/leads/${state.leadId}`;
        const answered = (await call('POST', `${path}/accept`, state.partnerKey, undefined, [200])).body
          ?.lead;
        check(
          answered?.distributionStatus === 'Accepted',
          `the accept answered ${answered?.distributionStatus}`,
        );
        const lead = (await call('GET', path, state.supplierKey, undefined, [200])).body?.lead;
        check(
          lead?.distributionStatus === 'Accepted',
          `the supplier reads it ${lead?.distributionStatus} after the accept`,
        );
        return 'Accepted by the partner, and the supplier reads it Accepted';
      },
    ],
  ];

  for (const [name, run] of flow) {
    if (!(await step(name, run))) break;
  }

  // Cleanup, after a failure too: everything the API lets us switch off.
  if (state.partnerId !== undefined) {
    const partnerPath = `/v1/partners/${state.partnerId}`;
    await step('cleanup: disable partner', async () => {
      const { body } = await call('PATCH', partnerPath, state.supplierKey, { disabled: true }, [200]);
      check(body?.partner?.disabled === true, 'the answer does not say disabled: true');
      return `partner ${state.partnerId} disabled`;
    });
    await step('cleanup: revoke partner keys', async () => {
      const revoked = await revokeAll(`${partnerPath}/keys`, state.supplierKey);
      return `${revoked} key(s) revoked, none active`;
    });
  }
  if (state.supplierId !== undefined) {
    await step('cleanup: revoke supplier keys', async () => {
      const revoked = await revokeAll(`/v1/admin/suppliers/${state.supplierId}/keys`, options.operatorKey);
      const after = await call('GET', '/v1/settings', state.supplierKey, undefined, [200, 401]);
      check(after.status === 401, "the supplier's key still answers 200");
      return `${revoked} key(s) revoked, none active; the supplier's key answers 401`;
    });
  }

  /** Revokes every active key of one principal's key list, then reads the list again; the count revoked. */
  async function revokeAll(keysPath: string, key: string | undefined): Promise<number> {
    const activeKeys = async () => {
      const { body } = await call('GET', `${keysPath}?limit=500`, key, undefined, [200]);
      return ((body?.items ?? []) as { id: string; revokedAt?: string }[]).filter((k) => !k.revokedAt);
    };
    const active = await activeKeys();
    for (const { id } of active) await call('DELETE', `${keysPath}/${id}`, key, undefined, [200]);
    const still = await activeKeys();
    check(
      still.length === 0,
      `${still.length} key(s) still active after revoking: ${still.map((k) => k.id)}`,
    );
    return active.length;
  }

  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  const left = [
    state.supplierId && `supplier ${state.supplierId} (no active key)`,
    state.partnerId && `partner ${state.partnerId} (disabled, no active key)`,
    state.leadId && `lead ${state.leadId}`,
  ].filter(Boolean);
  if (left.length > 0) out(`left behind (the API deletes no tenant or lead): ${left.join(', ')}`);
  if (failedStep) {
    out(
      `smoke: FAILED at step ${failedStep.number} "${failedStep.name}": ${failedStep.message} (${seconds} s)`,
    );
  } else if (cleanupFailures.length > 0) {
    out(`smoke: FAILED in cleanup: ${cleanupFailures.join('; ')} (${seconds} s)`);
  } else {
    out(`smoke: passed, ${smokeSteps.length} steps in ${seconds} s`);
  }
  return {
    ok: failedStep === undefined && cleanupFailures.length === 0,
    ...(failedStep ? { failedStep } : {}),
    cleanupFailures,
    ...(state.supplierId ? { supplierId: state.supplierId } : {}),
    ...(state.partnerId ? { partnerId: state.partnerId } : {}),
    ...(state.leadId ? { leadId: state.leadId } : {}),
  };
}
