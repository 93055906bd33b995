// The generated types themselves (not the client): this module is pure, and the unit tests import it.
import type { components } from '../../api/schema';

type Schemas = components['schemas'];

/**
 * The routing rules editor's draft: the API's rule set (`StoredRoutingRules`) as the
 * form holds it — every group and condition with a stable key (so an error, a focus or a
 * drag follows the group it was about when groups move), values as the text the person
 * typed — and back to the body the PUT and the preview take. Pure: no DOM, no fetch.
 */

export type RuleOp = Schemas['RuleCondition']['op'];
export type RuleValue = NonNullable<Schemas['RuleCondition']['value']>;
export type StoredRules = Schemas['StoredRoutingRules'];
export type RuleGroup = Schemas['RuleGroup'];
export type RoutingStrategy = Extract<RuleGroup['assign'], { strategy: unknown }>['strategy'];

/**
 * The core fields a condition tests, as the rule engine names them (its RULE_CORE_FIELDS;
 * a unit test keeps the two lists the same). Any other field is `custom.<name>`.
 */
export const RULE_FIELDS = {
  email: 'Email',
  domain: 'Email domain',
  firstName: 'First name',
  lastName: 'Last name',
  company: 'Company',
  title: 'Job title',
  phone: 'Phone',
  mobilePhone: 'Mobile phone',
  country: 'Country',
  state: 'State',
  city: 'City',
  postalCode: 'Postal code',
  product: 'Product',
  campaign: 'Campaign',
  score: 'Lead score',
  source: 'Source',
  type: 'Lead type',
} as const;
export type CoreField = keyof typeof RULE_FIELDS;

type LeadSource = Schemas['LeadView']['source'];
type LeadType = Schemas['LeadView']['type'];
const SOURCES: Record<LeadSource, true> = {
  API: true,
  'CSV Upload': true,
  Manual: true,
  'Partner Registered': true,
  'Auto Registered': true,
  Locator: true,
  Integration: true,
};
const TYPES: Record<LeadType, true> = { distributed: true, registered: true };

/** The values a field takes, where the API names them all: offered as suggestions. */
export const FIELD_VALUES: Partial<Record<CoreField, string[]>> = {
  source: Object.keys(SOURCES),
  type: Object.keys(TYPES),
};
export const CUSTOM_PREFIX = 'custom.';

/** What an operator takes: one value, a list, or none. Exhaustive over the API's enum. */
export const RULE_OPS: Record<RuleOp, { label: string; takes: 'one' | 'list' | 'none' }> = {
  equals: { label: 'equals', takes: 'one' },
  notEquals: { label: 'does not equal', takes: 'one' },
  in: { label: 'is one of', takes: 'list' },
  notIn: { label: 'is none of', takes: 'list' },
  contains: { label: 'contains', takes: 'one' },
  startsWith: { label: 'starts with', takes: 'one' },
  exists: { label: 'has a value', takes: 'none' },
  notExists: { label: 'has no value', takes: 'none' },
  gt: { label: 'is greater than', takes: 'one' },
  gte: { label: 'is at least', takes: 'one' },
  lt: { label: 'is less than', takes: 'one' },
  lte: { label: 'is at most', takes: 'one' },
};
export const ORDER_OPS: ReadonlySet<RuleOp> = new Set(['gt', 'gte', 'lt', 'lte']);

export const STRATEGIES: Record<RoutingStrategy, { label: string; hint: string }> = {
  'round-robin': { label: 'Round robin', hint: 'Each partner in turn.' },
  weighted: { label: 'Weighted', hint: 'In proportion to each partner’s weight.' },
  'least-loaded': { label: 'Least loaded', hint: 'The partner with the fewest Pending leads.' },
};

export interface DraftCondition {
  key: string;
  /** A core field, or `custom.<name>` (the name as typed). */
  field: string;
  op: RuleOp;
  /** One value as typed; for a list, its items one per line or comma-separated. */
  text: string;
  /** The value as loaded and the text it was shown as: sent back as it was while the text is unchanged. */
  loaded?: { value: RuleValue | undefined; text: string };
}

export interface DraftGroup {
  key: string;
  name: string;
  conditions: DraftCondition[];
  mode: 'one' | 'pool';
  partnerId: string;
  partnerIds: string[];
  strategy: RoutingStrategy;
}

export interface Draft {
  groups: DraftGroup[];
}

let counter = 0;
/** A key unique in this page's life (groups and conditions are keyed by it, never by position). */
export const newKey = (prefix: string): string => `${prefix}${++counter}`;

export function isCustom(field: string): boolean {
  return !(field in RULE_FIELDS);
}

function valueText(value: RuleValue | undefined): string {
  if (value === undefined) return '';
  return Array.isArray(value) ? value.map(String).join(', ') : String(value);
}

export function newCondition(): DraftCondition {
  return { key: newKey('c'), field: 'country', op: 'equals', text: '' };
}

export function newGroup(name: string): DraftGroup {
  return {
    key: newKey('g'),
    name,
    conditions: [newCondition()],
    mode: 'one',
    partnerId: '',
    partnerIds: [],
    strategy: 'round-robin',
  };
}

/** The form's draft of stored rules. */
export function toDraft(rules: { groups: RuleGroup[] }): Draft {
  return {
    groups: rules.groups.map((g) => ({
      key: newKey('g'),
      name: g.name,
      conditions: g.conditions.map((c) => {
        const text = valueText(c.value);
        return { key: newKey('c'), field: c.field, op: c.op, text, loaded: { value: c.value, text } };
      }),
      ...('partnerIds' in g.assign
        ? { mode: 'pool', partnerId: '', partnerIds: [...g.assign.partnerIds], strategy: g.assign.strategy }
        : { mode: 'one', partnerId: g.assign.partnerId, partnerIds: [], strategy: 'round-robin' }),
    })),
  };
}

/** A list value as typed: comma- or newline-separated, blanks dropped. */
export function listItems(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

function conditionBody(c: DraftCondition): Schemas['RuleCondition'] {
  const takes = RULE_OPS[c.op].takes;
  const base = { field: c.field.trim(), op: c.op };
  if (takes === 'none') return base;
  // Untouched since loading, and still the kind of value the operator takes: as it was stored (a number stays one).
  if (c.loaded && c.loaded.text === c.text && Array.isArray(c.loaded.value) === (takes === 'list')) {
    return c.loaded.value === undefined ? base : { ...base, value: c.loaded.value };
  }
  if (takes === 'list') return { ...base, value: listItems(c.text) };
  // An empty value is left out, so the API names what it needs ("is required for equals").
  const text = c.op === 'contains' ? c.text : c.text.trim();
  return text.trim() === '' ? base : { ...base, value: text };
}

/**
 * The body of `PUT /v1/routing-rules` and of the preview: the groups in order. Nothing is
 * checked here — the API checks and names every problem by its path, and the form shows
 * each one at the control it names.
 */
export function toRules(draft: Draft): { groups: RuleGroup[] } {
  return {
    groups: draft.groups.map((g) => ({
      name: g.name,
      conditions: g.conditions.map(conditionBody),
      assign:
        g.mode === 'pool' ? { partnerIds: g.partnerIds, strategy: g.strategy } : { partnerId: g.partnerId },
    })),
  };
}

/** Whether a draft would publish the same rules as those stored. */
export function sameRules(draft: Draft, stored: { groups: RuleGroup[] }): boolean {
  return JSON.stringify(toRules(draft)) === JSON.stringify(toRules(toDraft(stored)));
}

/** Moves the item at `from` to `to` (both indexes into the list before the move). */
export function move<T>(list: readonly T[], from: number, to: number): T[] {
  const next = [...list];
  const [item] = next.splice(from, 1);
  if (item === undefined) return next;
  next.splice(Math.max(0, Math.min(to, next.length)), 0, item);
  return next;
}

/**
 * Where each API path points in the draft as it was sent: `groups.1.conditions.0.value`
 * names the group and condition by position at the time of sending; the keys they had then
 * keep pointing at the same controls after the person moves groups around.
 */
export interface SentShape {
  groups: { key: string; conditions: string[] }[];
}

export function shapeOf(draft: Draft): SentShape {
  return { groups: draft.groups.map((g) => ({ key: g.key, conditions: g.conditions.map((c) => c.key) })) };
}

/** The path a control had in the sent draft (undefined: it was added since). */
export function sentPath(shape: SentShape | undefined, groupKey: string, conditionKey?: string) {
  if (!shape) return undefined;
  const g = shape.groups.findIndex((s) => s.key === groupKey);
  if (g < 0) return undefined;
  if (conditionKey === undefined) return `groups.${g}`;
  const c = shape.groups[g]?.conditions.indexOf(conditionKey) ?? -1;
  return c < 0 ? undefined : `groups.${g}.conditions.${c}`;
}

/** The group and condition keys an API path names in the sent draft, and the rest of the path. */
export function locate(
  shape: SentShape | undefined,
  path: string,
): { groupKey?: string; conditionKey?: string; part: string } {
  const parts = path.split('.');
  if (!shape || parts[0] !== 'groups' || parts[1] === undefined || !/^\d+$/.test(parts[1])) {
    return { part: path };
  }
  const group = shape.groups[Number(parts[1])];
  if (!group) return { part: path };
  if (parts[2] === 'conditions' && parts[3] !== undefined && /^\d+$/.test(parts[3])) {
    const conditionKey = group.conditions[Number(parts[3])];
    return conditionKey === undefined
      ? { groupKey: group.key, part: parts.slice(2).join('.') }
      : { groupKey: group.key, conditionKey, part: parts.slice(4).join('.') };
  }
  return { groupKey: group.key, part: parts.slice(2).join('.') };
}
