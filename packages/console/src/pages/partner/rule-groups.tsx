import type { Schemas } from '../../api/client';
import { detailsAt } from '../../ui/errors';
import { Field, splitList } from '../../ui/form';
import { LEAD_TEXT_FIELDS } from '../../ui/lead-fields';
import type { RegistrationGroup, RuleCondition } from './data';

/**
 * Registration rule groups, to read and to edit: routing's groups without `assign`. Groups
 * are ORed (the first that holds is recorded), conditions within a group ANDed. Errors
 * show at the field the API's details name (`<prefix>.2.conditions.0.value`).
 */

type Op = RuleCondition['op'];
type Value = RuleCondition['value'];

/** The fields a condition may test (the API's list; anything else is `custom.<name>`). */
export const RULE_FIELDS = [...LEAD_TEXT_FIELDS, 'domain', 'score', 'source', 'type'] as const;

const FIELD_WORDS: Record<string, string> = {
  email: 'Email',
  domain: 'Email domain',
  company: 'Company',
  firstName: 'First name',
  lastName: 'Last name',
  title: 'Job title',
  phone: 'Phone',
  mobilePhone: 'Mobile phone',
  country: 'Country',
  state: 'State',
  city: 'City',
  postalCode: 'Postal code',
  product: 'Product',
  campaign: 'Campaign',
  score: 'Score',
  source: 'Source',
  type: 'Type',
};

export const OPS: { op: Op; words: string }[] = [
  { op: 'equals', words: 'is' },
  { op: 'notEquals', words: 'is not' },
  { op: 'in', words: 'is one of' },
  { op: 'notIn', words: 'is none of' },
  { op: 'contains', words: 'contains' },
  { op: 'startsWith', words: 'starts with' },
  { op: 'exists', words: 'is present' },
  { op: 'notExists', words: 'is missing' },
  { op: 'gt', words: 'is more than' },
  { op: 'gte', words: 'is at least' },
  { op: 'lt', words: 'is less than' },
  { op: 'lte', words: 'is at most' },
];
const OP_WORDS = new Map(OPS.map((o) => [o.op, o.words]));
const LIST_OPS: ReadonlySet<Op> = new Set(['in', 'notIn']);
const NO_VALUE: ReadonlySet<Op> = new Set(['exists', 'notExists']);

/** A condition being edited: its value as text, and the value it came with (kept when the text is untouched). */
export interface ConditionDraft {
  key: number;
  field: string;
  op: Op;
  text: string;
  original: Value;
}
export interface GroupDraft {
  key: number;
  name: string;
  conditions: ConditionDraft[];
}

let nextKey = 1;
const key = () => nextKey++;

export const valueText = (value: Value): string =>
  value === undefined ? '' : Array.isArray(value) ? value.join(', ') : String(value);

export const newCondition = (): ConditionDraft => ({
  key: key(),
  field: 'company',
  op: 'equals',
  text: '',
  original: undefined,
});

export const toDrafts = (groups: readonly Schemas['RegistrationGroup'][]): GroupDraft[] =>
  groups.map((g) => ({
    key: key(),
    name: g.name,
    conditions: g.conditions.map((c) => ({
      key: key(),
      field: c.field,
      op: c.op,
      text: valueText(c.value),
      original: c.value,
    })),
  }));

/** The groups as the API takes them. */
export function fromDrafts(groups: readonly GroupDraft[]): RegistrationGroup[] {
  return groups.map((g) => ({
    name: g.name.trim(),
    conditions: g.conditions.map((c): RuleCondition => {
      if (NO_VALUE.has(c.op)) return { field: c.field, op: c.op };
      const untouched = c.original !== undefined && c.text === valueText(c.original);
      const value: Value = untouched ? c.original : LIST_OPS.has(c.op) ? splitList(c.text) : c.text.trim();
      return { field: c.field, op: c.op, value };
    }),
  }));
}

/** A condition in words: `Company contains "acme"`. */
export function conditionWords(c: Pick<RuleCondition, 'field' | 'op' | 'value'>): string {
  const field = FIELD_WORDS[c.field] ?? c.field;
  const op = OP_WORDS.get(c.op) ?? c.op;
  if (NO_VALUE.has(c.op)) return `${field} ${op}`;
  const value = Array.isArray(c.value) ? c.value.map((v) => `“${v}”`).join(', ') : `“${c.value}”`;
  return `${field} ${op} ${value}`;
}

/** Groups to read (the supplier's rules): each with its conditions joined by AND. */
export function GroupsReadOnly({ groups }: { groups: readonly Schemas['RegistrationGroup'][] }) {
  if (groups.length === 0) return <p class="muted">The supplier has no registration rules yet.</p>;
  return (
    <ol class="rule-groups-read">
      {groups.map((g) => (
        <li key={g.name}>
          <strong>{g.name}</strong>: {g.conditions.map(conditionWords).join(' AND ')}
        </li>
      ))}
    </ol>
  );
}

/** The partner's own groups, in order, with their conditions; every control labelled, every action a button. */
export function GroupsEditor(props: {
  groups: GroupDraft[];
  onChange: (groups: GroupDraft[]) => void;
  error: unknown;
  /** Where the groups sit in the request body, for the API's paths (`autoRegistration.groups`). */
  path: string;
}) {
  const { groups, onChange, error, path } = props;
  const setGroup = (i: number, next: GroupDraft) => onChange(groups.map((g, j) => (j === i ? next : g)));
  const move = (i: number, by: number) => {
    const next = [...groups];
    const [g] = next.splice(i, 1);
    if (g) next.splice(i + by, 0, g);
    onChange(next);
  };
  return (
    <div class="rule-groups">
      {groups.length === 0 ? (
        <p class="muted">No groups yet: nothing is registered by your own rules.</p>
      ) : null}
      {groups.map((group, i) => {
        const at = `${path}.${i}`;
        const title = group.name.trim() || `Group ${i + 1}`;
        return (
          <fieldset key={group.key} class="rule-group">
            <legend>
              {i > 0 ? 'OR ' : ''}
              {title}
            </legend>
            <div class="row">
              <Field label="Group name" errors={detailsAt(error, `${at}.name`)}>
                {(id, d) => (
                  <input
                    id={id}
                    value={group.name}
                    required
                    maxLength={200}
                    aria-describedby={d}
                    onInput={(e) =>
                      setGroup(i, { ...group, name: (e.currentTarget as HTMLInputElement).value })
                    }
                  />
                )}
              </Field>
              <div class="field group-actions">
                <button
                  type="button"
                  onClick={() => move(i, -1)}
                  disabled={i === 0}
                  aria-label={`Move ${title} up`}
                >
                  Up
                </button>
                <button
                  type="button"
                  onClick={() => move(i, 1)}
                  disabled={i === groups.length - 1}
                  aria-label={`Move ${title} down`}
                >
                  Down
                </button>
                <button
                  type="button"
                  class="danger"
                  onClick={() => onChange(groups.filter((_, j) => j !== i))}
                  aria-label={`Remove ${title}`}
                >
                  Remove group
                </button>
              </div>
            </div>
            {detailsAt(error, `${at}.conditions`).length > 0 && group.conditions.length === 0 ? (
              <p class="field-error">{detailsAt(error, `${at}.conditions`).join('; ')}</p>
            ) : null}
            <ol class="conditions">
              {group.conditions.map((c, j) => (
                <ConditionRow
                  key={c.key}
                  condition={c}
                  first={j === 0}
                  label={`${title}, condition ${j + 1}`}
                  at={`${at}.conditions.${j}`}
                  error={error}
                  onChange={(next) =>
                    setGroup(i, {
                      ...group,
                      conditions: group.conditions.map((x, k) => (k === j ? next : x)),
                    })
                  }
                  onRemove={() =>
                    setGroup(i, { ...group, conditions: group.conditions.filter((_, k) => k !== j) })
                  }
                />
              ))}
            </ol>
            <button
              type="button"
              onClick={() => setGroup(i, { ...group, conditions: [...group.conditions, newCondition()] })}
            >
              Add condition<span class="sr-only"> to {title}</span>
            </button>
          </fieldset>
        );
      })}
      <button
        type="button"
        onClick={() =>
          onChange([
            ...groups,
            { key: key(), name: `Group ${groups.length + 1}`, conditions: [newCondition()] },
          ])
        }
      >
        Add group
      </button>
    </div>
  );
}

function ConditionRow(props: {
  condition: ConditionDraft;
  first: boolean;
  label: string;
  at: string;
  error: unknown;
  onChange: (c: ConditionDraft) => void;
  onRemove: () => void;
}) {
  const { condition: c, at, error, label } = props;
  const custom = c.field.startsWith('custom.') || !(RULE_FIELDS as readonly string[]).includes(c.field);
  const customName = c.field.startsWith('custom.') ? c.field.slice('custom.'.length) : c.field;
  return (
    <li class="condition">
      <span class="condition-and" aria-hidden="true">
        {props.first ? 'When' : 'AND'}
      </span>
      <div class="row">
        <Field label="Field" errors={custom ? [] : detailsAt(error, `${at}.field`)}>
          {(id, d) => (
            <select
              id={id}
              aria-describedby={d}
              value={custom ? '' : c.field}
              onChange={(e) => {
                const v = (e.currentTarget as HTMLSelectElement).value;
                props.onChange({ ...c, field: v === '' ? 'custom.' : v });
              }}
            >
              {RULE_FIELDS.map((f) => (
                <option key={f} value={f}>
                  {FIELD_WORDS[f]}
                </option>
              ))}
              <option value="">Custom field…</option>
            </select>
          )}
        </Field>
        {custom ? (
          <Field label="Custom field name" errors={detailsAt(error, `${at}.field`)}>
            {(id, d) => (
              <input
                id={id}
                value={customName}
                required
                aria-describedby={d}
                onInput={(e) =>
                  props.onChange({
                    ...c,
                    field: `custom.${(e.currentTarget as HTMLInputElement).value.trim()}`,
                  })
                }
              />
            )}
          </Field>
        ) : null}
        <Field label="Test" errors={detailsAt(error, `${at}.op`)}>
          {(id, d) => (
            <select
              id={id}
              aria-describedby={d}
              value={c.op}
              onChange={(e) =>
                props.onChange({ ...c, op: (e.currentTarget as HTMLSelectElement).value as Op })
              }
            >
              {OPS.map((o) => (
                <option key={o.op} value={o.op}>
                  {o.words}
                </option>
              ))}
            </select>
          )}
        </Field>
        {NO_VALUE.has(c.op) ? null : (
          <Field
            label="Value"
            hint={LIST_OPS.has(c.op) ? 'Separate values with commas.' : undefined}
            errors={detailsAt(error, `${at}.value`)}
          >
            {(id, d) => (
              <input
                id={id}
                value={c.text}
                aria-describedby={d}
                onInput={(e) => props.onChange({ ...c, text: (e.currentTarget as HTMLInputElement).value })}
              />
            )}
          </Field>
        )}
        <div class="field">
          <button type="button" class="link" onClick={props.onRemove} aria-label={`Remove ${label}`}>
            Remove
          </button>
        </div>
      </div>
    </li>
  );
}
