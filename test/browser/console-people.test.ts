import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleDist } from '../../packages/console/build';
import { cognitoClient, setPassword } from '../../packages/local/src/cognito';
import { api, type ConsoleHarness, startConsole, waitFor } from './support/console';

/**
 * People in the console, in Chromium against `npm start`: a printed demo person signs in;
 * an admin invites a colleague on the Users screen, who must choose a new password at the
 * first sign-in; once removed, the colleague is signed out at their next request and told
 * why; a person who forgot their password resets it with the emailed code; a person of two
 * tenants chooses one after signing in and can switch.
 */
describe('console: signing in, people and tenants', () => {
  let h: ConsoleHarness;

  beforeAll(async () => {
    h = await startConsole('people');
  });
  afterAll(async () => {
    await h?.stop();
  });

  const heading = (page: Page, name: string) => page.getByRole('heading', { level: 1, name }).waitFor();

  it('signs in a printed demo person, with axe clean on the sign-in page and a wrong password refused', async () => {
    const { page } = await h.newPage();
    await page.getByRole('form', { name: 'Sign in' }).waitFor();
    await h.look(page, 'sign-in');
    const admin = h.person('supplier');
    const form = page.getByRole('form', { name: 'Sign in' });
    await form.getByLabel('Email').fill(admin.email);
    await form.getByLabel('Password').fill('not-the-password');
    await form.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Incorrect email or password' }).waitFor();
    await h.signIn(page, admin);
    await heading(page, 'All Leads');
    expect(page.url()).toBe(`${h.url}leads`);
    // A reload keeps the session (this tab's sessionStorage).
    await page.reload();
    await heading(page, 'All Leads');
    expect(h.browserErrors).toEqual([]);
  });

  it('invites a colleague, who sets a password at first sign-in and is signed out once removed', async () => {
    const admin = h.person('supplier');
    const { page } = await h.newPage();
    await h.signIn(page, admin);
    await page.getByRole('link', { name: 'Users' }).click();
    await heading(page, 'Users');
    const email = `colleague.${crypto.randomUUID().slice(0, 8)}@acme-demo.example`;
    const invite = page.getByRole('form', { name: 'Invite a user' });
    await invite.getByLabel('Email').fill(email);
    await invite.getByRole('button', { name: 'Invite' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Invited' }).textContent()).resolves.toContain(
      email,
    );
    await page.getByRole('cell', { name: email, exact: true }).waitFor();
    await h.look(page, 'users');

    // The pool emailed a temporary password; the test sets a known one, still temporary.
    const { cognito } = h.endpoints;
    await setPassword(cognitoClient(cognito.endpoint), cognito.userPoolId, email, 'Temporary-pass-41', {
      temporary: true,
    });
    const colleague = await h.newPage();
    const first = colleague.page.getByRole('form', { name: 'Sign in' });
    await first.getByLabel('Email').fill(email);
    await first.getByLabel('Password').fill('Temporary-pass-41');
    await first.getByRole('button', { name: 'Sign in' }).click();
    const choose = colleague.page.getByRole('form', { name: 'Choose a new password' });
    await choose.getByLabel('New password', { exact: true }).fill('A-new-password-42');
    await choose.getByLabel('New password again').fill('A-new-password-42');
    await h.axe(colleague.page, 'new-password');
    await choose.getByRole('button', { name: 'Set password and sign in' }).click();
    await heading(colleague.page, 'All Leads');
    // A member: the Users screen says only admins manage people.
    await colleague.page.getByRole('link', { name: 'Users' }).click();
    await colleague.page.getByText('Only an admin').waitFor();

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: `Remove ${email}` }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Removed ${email}` })
      .waitFor();
    await page.getByRole('cell', { name: email, exact: true }).waitFor({ state: 'detached' });

    // The colleague's next request is refused: the console signs them out and says why.
    await colleague.page.reload();
    await colleague.page.getByRole('form', { name: 'Sign in' }).waitFor();
    await expect(colleague.page.getByRole('status').textContent()).resolves.toMatch(/not a user/i);
    expect(h.browserErrors).toEqual([]);
  });

  it('resets a forgotten password with the code Cognito emails (locally: printed), then signs in with the new one', async () => {
    const email = `forgetful.${crypto.randomUUID().slice(0, 8)}@acme-demo.example`;
    const invited = await api(h.endpoints.api, 'POST', '/v1/users', h.endpoints.demo?.supplierKey ?? '', {
      email,
      role: 'member',
    });
    expect(invited.status).toBe(201);
    const { cognito } = h.endpoints;
    await setPassword(cognitoClient(cognito.endpoint), cognito.userPoolId, email, 'Forgotten-pass-43');

    const { page } = await h.newPage();
    await page.getByRole('button', { name: 'Forgot your password?' }).click();
    const forgot = page.getByRole('form', { name: 'Reset your password' });
    await forgot.getByLabel('Email').fill(email);
    await forgot.getByRole('button', { name: 'Send a code' }).click();
    const reset = page.getByRole('form', { name: 'Set a new password' });
    await reset.waitFor();
    await page.getByRole('status').filter({ hasText: 'We sent a code to' }).waitFor();
    await h.look(page, 'reset-password');
    // The local cloud prints what Cognito would email: to this person, the invitation, then the
    // reset code (its line reaches this process a moment after the answer: awaited).
    const printed = new RegExp(`cognito: email to ${email.replace(/\./g, '\\.')} [^:]*: (\\S+)`, 'g');
    const code = await waitFor(
      async () => [...h.cloud.output().matchAll(printed)][1]?.[1],
      'the reset code printed',
    );
    // A wrong code first: Cognito's words, and nothing changed.
    await reset.getByLabel('Code from the email').fill(code === '000000' ? '111111' : '000000');
    await reset.getByLabel('New password').fill('A-fresh-password-44');
    await reset.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('alert').waitFor();
    await reset.getByLabel('Code from the email').fill(code);
    await reset.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('status').filter({ hasText: 'Your password is changed' }).waitFor();

    const form = page.getByRole('form', { name: 'Sign in' });
    await form.getByLabel('Email').fill(email);
    await form.getByLabel('Password').fill('Forgotten-pass-43');
    await form.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Incorrect email or password' }).waitFor();
    await h.signIn(page, { email, password: 'A-fresh-password-44' });
    await heading(page, 'All Leads');
    expect(h.browserErrors).toEqual([]);
  });

  it('lets a person of two tenants choose one after signing in, and switch', async () => {
    const admin = h.person('supplier');
    const partnerName = Object.keys(h.endpoints.demo?.partnerIds ?? {})[0] ?? '';
    const partnerAdmin = h.person(partnerName);
    const { page } = await h.newPage();
    await h.signIn(page, admin);
    await page.getByRole('link', { name: 'Users' }).click();
    const invite = page.getByRole('form', { name: 'Invite a user' });
    await invite.getByLabel('Email').fill(partnerAdmin.email);
    await invite.getByRole('button', { name: 'Invite' }).click();
    await page.getByRole('status').filter({ hasText: 'already had an account' }).waitFor();

    const other = await h.newPage({ width: 390 });
    const form = other.page.getByRole('form', { name: 'Sign in' });
    await form.getByLabel('Email').fill(partnerAdmin.email);
    await form.getByLabel('Password').fill(partnerAdmin.password);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await heading(other.page, 'Choose where to work');
    await h.look(other.page, 'choose-tenant');
    await other.page.getByRole('button', { name: new RegExp(`^${partnerName} at`) }).click();
    await heading(other.page, 'Inbox');
    await other.page.getByRole('button', { name: 'Switch' }).click();
    await other.page.getByRole('button', { name: /^Acme Demo Supplier/ }).click();
    await heading(other.page, 'All Leads');
    expect(h.browserErrors).toEqual([]);
  });

  it('loads at most 250 KB of gzipped JavaScript up to the first screen (the budget)', async () => {
    const { page } = await h.newPage();
    const scripts = new Set<string>();
    page.on('response', (response) => {
      const path = new URL(response.url()).pathname;
      if (path.endsWith('.js')) scripts.add(path);
    });
    await page.reload();
    await h.signIn(page, h.person('supplier'));
    await heading(page, 'All Leads');
    let gzipped = 0;
    for (const path of scripts) {
      const file = join(consoleDist, path.replace(/^\/console\//, ''));
      gzipped += gzipSync(await readFile(file), { level: 9 }).length;
    }
    process.stdout.write(
      `console first load: ${scripts.size} scripts, ${(gzipped / 1024).toFixed(1)} KB gzipped (budget 250 KB)\n`,
    );
    expect(scripts.size).toBeGreaterThan(0);
    expect(gzipped).toBeLessThanOrEqual(250 * 1024);
  });

  it('finds no serious or critical accessibility violations', () => {
    expect(h.violations).toEqual([]);
  });
});
