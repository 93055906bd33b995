import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { setPassword } from './cognito';

/** What `npm start` seeded, kept in .local/demo.json so a restart shows the same keys. */
export interface Demo {
  supplierId: string;
  supplierName: string;
  supplierKey: string;
  partners: Record<string, { id: string; key: string }>;
}

interface DemoPartner {
  name: string;
  leadOwners: { email: string; name?: string }[];
  autoAccept?: boolean;
}

export const demoSupplierName = 'Acme Demo Supplier';

/** One partner per story the demo should tell: the normal email, auto-accept, and a bounce. */
export const demoPartners: readonly DemoPartner[] = [
  {
    name: 'Northwind Partners',
    leadOwners: [{ email: 'northwind-sales@example.com', name: 'Northwind Sales' }],
  },
  {
    name: 'Globex Channel',
    autoAccept: true,
    leadOwners: [{ email: 'sales-team@globex.example', name: 'Globex Sales Team' }],
  },
  // The SES mailbox simulator address bounces, so the demo shows a Notification Failure.
  {
    name: 'Initech Resellers',
    leadOwners: [{ email: 'bounce@simulator.amazonses.com', name: 'Initech Bounce' }],
  },
];

export class SeedError extends Error {
  override readonly name = 'SeedError';
}

/**
 * Seeds the demo supplier and partners over the public HTTP API with the
 * operator key, the same path a user takes, so a broken route shows up here
 * first. Progress is saved after each step: a failed seed resumes where it
 * stopped on the next start instead of creating a second supplier.
 */
export async function seedDemo(options: {
  apiUrl: string;
  operatorKey: string;
  file: string;
}): Promise<Demo> {
  let demo = await readDemo(options.file);

  if (demo && !(await supplierKeyWorks(options.apiUrl, demo.supplierKey))) {
    // The database was reset while demo.json stayed: its keys no longer exist.
    demo = undefined;
  }

  if (!demo) {
    const created = await post<{ supplier: { id: string; name?: string }; apiKey: string }>(
      options.apiUrl,
      '/v1/admin/suppliers',
      options.operatorKey,
      { name: demoSupplierName },
    );
    demo = {
      supplierId: created.supplier.id,
      supplierName: created.supplier.name ?? demoSupplierName,
      supplierKey: created.apiKey,
      partners: {},
    };
    await writeDemo(options.file, demo);
  }

  for (const partner of demoPartners) {
    if (demo.partners[partner.name]) continue;
    const created = await post<{ partner: { id: string }; apiKey: string }>(
      options.apiUrl,
      '/v1/partners',
      demo.supplierKey,
      partner,
    );
    demo.partners[partner.name] = { id: created.partner.id, key: created.apiKey };
    await writeDemo(options.file, demo);
  }
  return demo;
}

async function supplierKeyWorks(apiUrl: string, key: string): Promise<boolean> {
  const response = await fetch(`${apiUrl}/v1/partners?limit=1`, {
    headers: { authorization: `Bearer ${key}` },
  });
  await response.arrayBuffer();
  // Anything but "who are you?" keeps the demo: an unfinished route must not cause a reseed.
  return response.status !== 401;
}

async function post<T>(apiUrl: string, path: string, key: string, body: unknown): Promise<T> {
  const response = await fetch(`${apiUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 201) {
    throw new SeedError(`POST ${path} answered ${response.status}: ${text.slice(0, 500)}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new SeedError(`POST ${path} answered 201 without JSON: ${text.slice(0, 200)}`);
  }
}

export async function readDemo(file: string): Promise<Demo | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const demo = JSON.parse(text) as Partial<Demo>;
  if (typeof demo.supplierId !== 'string' || typeof demo.supplierKey !== 'string') return undefined;
  return {
    supplierId: demo.supplierId,
    supplierName: demo.supplierName ?? demoSupplierName,
    supplierKey: demo.supplierKey,
    partners: demo.partners ?? {},
  };
}

/** Written via a temporary file so a crash mid-write never leaves half a demo.json behind. */
async function writeDemo(file: string, demo: Demo): Promise<void> {
  await writeFile(`${file}.tmp`, `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}

/** A demo person: who they are an admin of, and how they sign in. */
export interface DemoUser {
  email: string;
  password: string;
  /** `supplier`, or the partner's name. */
  of: string;
}

/** The demo people's sign-in: the supplier's channel manager and one admin per demo partner. */
function demoPeople(demo: Demo): { email: string; of: string; key: string }[] {
  const slug = (name: string) => name.toLowerCase().split(/\s+/)[0] ?? 'partner';
  return [
    { email: 'channel.manager@acme-demo.example', of: 'supplier', key: demo.supplierKey },
    ...Object.entries(demo.partners).map(([name, p]) => ({
      email: `admin@${slug(name)}-partner.example`,
      of: name,
      key: p.key,
    })),
  ];
}

/**
 * Invites the demo people through the API (POST /v1/users with each tenant's key, the
 * path an admin takes; one already there is a 409 and stays), then sets their password
 * for good in the emulator, so they sign in at once: one password per home, generated
 * once into `file`.
 */
export async function seedPeople(options: {
  apiUrl: string;
  demo: Demo;
  file: string;
  cognito: { client: CognitoIdentityProviderClient };
  pool: { userPoolId: string };
}): Promise<DemoUser[]> {
  const password = await loadOrCreatePassword(options.file);
  const people = demoPeople(options.demo);
  for (const person of people) {
    const response = await fetch(`${options.apiUrl}/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${person.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: person.email, role: 'admin' }),
    });
    const text = await response.text();
    if (response.status !== 201 && response.status !== 409) {
      throw new SeedError(`POST /v1/users answered ${response.status}: ${text.slice(0, 500)}`);
    }
    await setPassword(options.cognito.client, options.pool.userPoolId, person.email, password);
  }
  return people.map(({ email, of }) => ({ email, of, password }));
}

async function loadOrCreatePassword(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  const stored = text === undefined ? undefined : (JSON.parse(text) as { password?: unknown }).password;
  if (typeof stored === 'string' && stored !== '') return stored;
  // Upper, lower, digits and a symbol: any pool's password policy takes it.
  const password = `Demo-${randomBytes(9).toString('base64url')}-7a`;
  await writeFile(`${file}.tmp`, `${JSON.stringify({ password }, null, 2)}\n`, { mode: 0o600 });
  await rename(`${file}.tmp`, file);
  return password;
}
