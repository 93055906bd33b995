import type { Clock } from '../clock';
import { NotFoundError, ValidationError } from '../errors';
import { newId } from '../ids';
import type { Page, PageQuery } from '../pages';
import type { Principal } from '../principal';
import type { WebhookStore } from './ports';
import {
  type CreateWebhook,
  MAX_WEBHOOKS_PER_TENANT,
  type PatchWebhook,
  type StoredWebhook,
  type Webhook,
  type WebhookOwner,
} from './schemas';
import { newWebhookSecret, signingSecrets } from './signing';
import { refusedTarget, type TargetPolicy } from './targets';

export interface SubscriptionDeps {
  webhooks: WebhookStore;
  clock: Clock;
  targets: TargetPolicy;
}

/** Whose subscriptions a principal manages: a supplier its own, a partner its own at its supplier. */
export function ownerOf(principal: Extract<Principal, { kind: 'supplier' | 'partner' }>): WebhookOwner {
  return principal.kind === 'supplier'
    ? { kind: 'supplier', supplierId: principal.supplierId }
    : { kind: 'partner', supplierId: principal.supplierId, partnerId: principal.partnerId };
}

/** A subscription as the API shows it: no owner, no secrets, no version. */
export function webhookView(stored: StoredWebhook): Webhook {
  const { owner: _o, secrets: _s, version: _v, disabled: _d, ...view } = stored;
  return view;
}

function checkTarget(deps: SubscriptionDeps, url: string): void {
  const refused = refusedTarget(url, deps.targets);
  if (refused) {
    throw new ValidationError(`Invalid request body: url: ${refused}`, [{ path: 'url', message: refused }]);
  }
}

async function mine(deps: SubscriptionDeps, owner: WebhookOwner, id: string): Promise<StoredWebhook> {
  const found = await deps.webhooks.getWebhook(owner, id);
  if (!found) throw new NotFoundError(`Webhook ${id} not found`);
  return found;
}

/**
 * Subscribe: a URL, the event types, a description. Answers the subscription and its
 * signing secret, which is shown here only (kept to sign, never answered again).
 * Primary course: 1. the URL's host is checked (a literal private address is refused
 * in AWS) 2. a secret is made 3. the subscription is put, within the owner's limit.
 */
export async function createWebhook(
  deps: SubscriptionDeps,
  owner: WebhookOwner,
  input: CreateWebhook,
): Promise<{ webhook: Webhook; secret: string }> {
  checkTarget(deps, input.url);
  const now = deps.clock.now();
  const secret = newWebhookSecret();
  const stored: StoredWebhook = {
    id: newId(now.getTime()),
    url: input.url,
    events: input.events,
    ...(input.description ? { description: input.description } : {}),
    status: 'active',
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    owner,
    secrets: [{ secret }],
    version: 1,
  };
  await deps.webhooks.createWebhook(stored, MAX_WEBHOOKS_PER_TENANT);
  return { webhook: webhookView(stored), secret };
}

export async function getWebhook(deps: SubscriptionDeps, owner: WebhookOwner, id: string): Promise<Webhook> {
  return webhookView(await mine(deps, owner, id));
}

/** The subscription as stored (the api's delivery routes sign with its secrets). */
export function storedWebhook(
  deps: SubscriptionDeps,
  owner: WebhookOwner,
  id: string,
): Promise<StoredWebhook> {
  return mine(deps, owner, id);
}

export async function listWebhooks(
  deps: SubscriptionDeps,
  owner: WebhookOwner,
  page: PageQuery,
): Promise<Page<Webhook>> {
  const found = await deps.webhooks.listWebhooks(owner, page);
  return { items: found.items.map(webhookView), nextCursor: found.nextCursor };
}

/** Changes the URL, the events, the description, or switches it off and on (conditional on the version read). */
export async function patchWebhook(
  deps: SubscriptionDeps,
  owner: WebhookOwner,
  id: string,
  patch: PatchWebhook,
): Promise<Webhook> {
  if (patch.url !== undefined) checkTarget(deps, patch.url);
  const previous = await mine(deps, owner, id);
  const now = deps.clock.now().toISOString();
  const { description: _old, ...rest } = previous;
  const description = patch.description ?? previous.description;
  const disabled = patch.disabled ?? previous.disabled ?? false;
  const next: StoredWebhook = {
    ...rest,
    ...(patch.url !== undefined ? { url: patch.url } : {}),
    ...(patch.events !== undefined ? { events: patch.events } : {}),
    ...(description ? { description } : {}),
    disabled,
    status: disabled ? 'disabled' : previous.status === 'disabled' ? 'active' : previous.status,
    updatedAt: now,
    version: previous.version + 1,
  };
  if (next.status !== 'failing') delete next.failingSince;
  await deps.webhooks.replaceWebhook(previous, next);
  return webhookView(next);
}

export async function deleteWebhook(deps: SubscriptionDeps, owner: WebhookOwner, id: string): Promise<void> {
  if (!(await deps.webhooks.deleteWebhook(owner, id))) throw new NotFoundError(`Webhook ${id} not found`);
}

/**
 * A new signing secret. It signs from now on; the one it replaces also signs for
 * `overlapMinutes` (0: not at all), so receivers can switch without losing a
 * delivery. Older replaced secrets stop signing at once.
 */
export async function rotateSecret(
  deps: SubscriptionDeps,
  owner: WebhookOwner,
  id: string,
  overlapMinutes: number,
): Promise<{ webhook: Webhook; secret: string }> {
  const previous = await mine(deps, owner, id);
  const now = deps.clock.now();
  const current = signingSecrets(previous.secrets, now)[0];
  const secret = newWebhookSecret();
  const expiresAt = new Date(now.getTime() + overlapMinutes * 60_000).toISOString();
  const keep = current !== undefined && overlapMinutes > 0;
  const { previousSecretExpiresAt: _p, ...rest } = previous;
  const next: StoredWebhook = {
    ...rest,
    secrets: [{ secret }, ...(keep ? [{ secret: current, expiresAt }] : [])],
    secretRotatedAt: now.toISOString(),
    ...(keep ? { previousSecretExpiresAt: expiresAt } : {}),
    updatedAt: now.toISOString(),
    version: previous.version + 1,
  };
  await deps.webhooks.replaceWebhook(previous, next);
  return { webhook: webhookView(next), secret };
}
