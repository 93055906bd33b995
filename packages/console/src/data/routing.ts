import { api, ok, type Schemas } from '../api/client';

/** Routing rules over the typed client: read, preview a draft, publish on the version read. */

export type StoredRoutingRules = Schemas['StoredRoutingRules'];
export type RoutingPreview = Schemas['RoutingPreview'];
export type RulesBody = { groups: Schemas['RuleGroup'][] };

export const loadRoutingRules = () => ok(api.GET('/v1/routing-rules'));

/** Where the `limit` most recent leads would go under the draft; changes nothing. */
export const previewRoutingRules = (rules: RulesBody, limit: number) =>
  ok(api.POST('/v1/routing-rules/preview', { params: { query: { limit } }, body: rules }));

/** Replaces the rules if they are still at `version` (else a 409 ApiError). */
export const publishRoutingRules = (rules: RulesBody, version: number) =>
  ok(api.PUT('/v1/routing-rules', { body: { ...rules, version } }));

/** Every partner a group may assign (all pages: a supplier has hundreds at most). */
export async function loadAllPartners(): Promise<Schemas['Partner'][]> {
  const partners: Schemas['Partner'][] = [];
  let cursor: string | undefined;
  do {
    const page = await ok(
      api.GET('/v1/partners', { params: { query: { limit: 500, ...(cursor ? { cursor } : {}) } } }),
    );
    partners.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return partners.sort((a, b) => a.name.localeCompare(b.name));
}
