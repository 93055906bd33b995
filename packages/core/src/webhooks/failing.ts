import type { Mailer, OutgoingEmail } from '../distribution/distribute';
import { escapeHtml } from '../mail/text';
import type { TenantStore } from '../tenants/ports';
import type { UserStore } from '../users/users';
import type { StoredWebhook } from './schemas';

/** The email that tells a tenant its webhook is failing: which one, since when, what to do. */
export function failingWebhookEmail(webhook: StoredWebhook, to: readonly string[]): OutgoingEmail {
  const subject = `Webhook failing: ${webhook.description ?? webhook.url}`;
  const lines = [
    `A delivery to your webhook ${webhook.url} (${webhook.id}) failed for 24 hours and was given up.`,
    `It is marked failing since ${webhook.failingSince ?? ''}; the next delivery that gets a 2xx answer clears that.`,
    `The delivery log (GET /v1/webhooks/${webhook.id}/deliveries) shows each attempt and the answer it got;`,
    `POST /v1/webhooks/${webhook.id}/deliveries/{deliveryId}/retry sends one again.`,
  ];
  return {
    to,
    subject,
    text: `${lines.join('\n')}\n`,
    html: `<p>${lines.map(escapeHtml).join('<br>')}</p>`,
    tags: { kind: 'webhook-failing', webhookId: webhook.id },
  };
}

export interface FailingAlertDeps {
  tenants: Pick<TenantStore, 'getSupplier'>;
  users?: Pick<UserStore, 'listMembers'>;
  mailer: Mailer;
}

/**
 * Whom a failing webhook is told to: the supplier's escalation address when it set
 * one, else the tenant's admins (a partner's webhook: the partner's admins, who own
 * the receiver). Nobody to tell: nothing is sent (the status and the log still show it).
 */
export async function failingRecipients(deps: FailingAlertDeps, webhook: StoredWebhook): Promise<string[]> {
  if (webhook.owner.kind === 'supplier') {
    const supplier = await deps.tenants.getSupplier(webhook.owner.supplierId);
    const escalation = supplier?.settings.escalationEmail;
    if (escalation) return [escalation];
  }
  if (!deps.users) return [];
  const page = await deps.users.listMembers(webhook.owner, { limit: 100 });
  return page.items.filter((m) => m.role === 'admin').map((m) => m.email);
}

/** Sends the failing email once per failing spell (the mailer's idempotency key names the spell). */
export function failingAlert(deps: FailingAlertDeps) {
  return async (webhook: StoredWebhook): Promise<void> => {
    const to = await failingRecipients(deps, webhook);
    if (to.length === 0) return;
    await deps.mailer.send(
      failingWebhookEmail(webhook, to),
      `webhook-failing:${webhook.id}:${webhook.failingSince ?? ''}`,
    );
  };
}
