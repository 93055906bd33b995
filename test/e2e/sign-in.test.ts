import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalEndpoints } from '@leadrelay/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cognitoClient, setPassword } from '../../packages/local/src/cognito';
import { api, type CloudProcess, startCloudProcess } from './support/local-cloud-process';

// biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
type Json = any;

/**
 * People's sign-in through the local cloud (`npm start`), as a new user meets it: the
 * demo people it printed sign in against its Cognito emulator with the Cognito API the
 * console calls (InitiateAuth over HTTP), the ID token works on the API, an invited
 * person is asked for a new password at first sign-in, and a removed one is refused at
 * the next request.
 */
describe('sign-in through the local cloud', () => {
  let home: string;
  let cloud: CloudProcess;
  let endpoints: LocalEndpoints;

  /** What a browser sends to Cognito: its JSON API, no SDK. */
  const cognito = async (target: string, body: unknown): Promise<{ status: number; body: Json }> => {
    const response = await fetch(endpoints.cognito.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `AWSCognitoIdentityProviderService.${target}`,
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
  const signIn = (email: string, password: string) =>
    cognito('InitiateAuth', {
      ClientId: endpoints.cognito.clientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: email, PASSWORD: password },
    });
  const call = async (method: string, path: string, token: string, body?: unknown): Promise<Json> =>
    api(endpoints.api, method, path, token, body);

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'leadrelay-sign-in-'));
    cloud = await startCloudProcess(home);
    endpoints = cloud.endpoints;
  });

  afterAll(async () => {
    await cloud?.kill();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('signs in every printed demo person, each acting for their own supplier or partner', async () => {
    const demo = endpoints.demo;
    if (!demo) throw new Error('no demo seeded');
    expect(demo.users.map((u) => u.of)).toEqual(['supplier', ...Object.keys(demo.partnerIds)]);
    for (const user of demo.users) {
      expect(cloud.output()).toContain(user.email);
      const signedIn = await signIn(user.email, user.password);
      expect(signedIn.status, user.email).toBe(200);
      const token: string = signedIn.body.AuthenticationResult.IdToken;
      const me = await call('GET', '/v1/me', token);
      expect(me.status).toBe(200);
      expect(me.body.tenants).toEqual([
        expect.objectContaining(
          user.of === 'supplier'
            ? { kind: 'supplier', supplierId: demo.supplierId, role: 'admin', current: true }
            : { kind: 'partner', partnerId: demo.partnerIds[user.of], partnerName: user.of, current: true },
        ),
      ]);
      expect((await call('GET', '/v1/leads', token)).status).toBe(200);
    }
    expect((await signIn(demo.users[0]?.email ?? '', 'not-the-password')).status).toBe(400);
  });

  it('asks an invited person for a new password first, and refuses them once removed', async () => {
    const demo = endpoints.demo;
    const admin = demo?.users[0];
    if (!demo || !admin) throw new Error('no demo seeded');
    const adminToken = (await signIn(admin.email, admin.password)).body.AuthenticationResult.IdToken;
    const email = `new.colleague.${crypto.randomUUID().slice(0, 8)}@acme-demo.example`;
    const invited = await call('POST', '/v1/users', adminToken, { email });
    expect(invited.status).toBe(201);
    expect(invited.body.user).toMatchObject({ email, role: 'member' });
    // The invitation's temporary password goes by email (the emulator prints it); the test sets one
    // of its own through the emulator, as temporary: the first sign-in must change it.
    const temporary = 'Temporary-pass-41';
    await setPassword(
      cognitoClient(endpoints.cognito.endpoint),
      endpoints.cognito.userPoolId,
      email,
      temporary,
      {
        temporary: true,
      },
    );
    const first = await signIn(email, temporary);
    expect(first.body.ChallengeName).toBe('NEW_PASSWORD_REQUIRED');
    const chosen = await cognito('RespondToAuthChallenge', {
      ClientId: endpoints.cognito.clientId,
      ChallengeName: 'NEW_PASSWORD_REQUIRED',
      Session: first.body.Session,
      ChallengeResponses: { USERNAME: email, NEW_PASSWORD: 'A-new-password-42' },
    });
    const token: string = chosen.body.AuthenticationResult.IdToken;
    expect((await call('GET', '/v1/leads', token)).status).toBe(200);
    expect((await call('GET', '/v1/users', token)).status).toBe(403);

    expect((await call('DELETE', `/v1/users/${invited.body.user.id}`, adminToken)).status).toBe(204);
    const after = await call('GET', '/v1/leads', token);
    expect(after.status).toBe(401);
    // The person can still sign in to the pool, but is nobody's user here.
    await setPassword(
      cognitoClient(endpoints.cognito.endpoint),
      endpoints.cognito.userPoolId,
      email,
      'Another-pass-43',
    );
    const again = (await signIn(email, 'Another-pass-43')).body.AuthenticationResult.IdToken;
    expect((await call('GET', '/v1/me', again)).status).toBe(401);
  });
});
