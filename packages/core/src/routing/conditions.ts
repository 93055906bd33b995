import type { LeadTextField } from '../leads/lead';
import { CUSTOM_FIELD_PREFIX, type RuleCondition, type RuleOp, type RuleScalar } from './rules';
import { emailDomain, FieldValue, parseIsoTime, parseNumber, type RawValue } from './values';

/**
 * Rule conditions, compiled once: the operand is lower-cased and parsed when the
 * rules are compiled, so evaluating a lead only normalises the lead's own values
 * (once per field per lead, see FieldValue).
 *
 * Semantics:
 * - Text compares case-insensitively, both sides trimmed.
 * - When both sides read as finite numbers they compare as numbers ("10" > "9",
 *   "10.0" equals 10), for equals/notEquals/in/notIn as well as gt/gte/lt/lte.
 * - gt/gte/lt/lte take a number or an ISO-8601 date/date-time operand (validated);
 *   a lead value that does not read the same way fails the test.
 * - A missing field (absent, null, or blank text) fails every test except
 *   notEquals, notIn and notExists, which hold: a lead without a country is "not
 *   in EMEA". This keeps "not" conditions the exact complement of their positive
 *   twin, and a supplier who wants presence too adds an `exists` condition.
 */

/** The lead as routing reads it: a stored Lead, or a LeadInput with its source and type. */
export interface RoutableLead extends Partial<Record<LeadTextField, string | null>> {
  score?: number | null;
  source?: string | null;
  type?: string | null;
  customFields?: Readonly<Record<string, string | number | boolean | null | undefined>> | null;
}

/** Reads one field of a lead, raw. */
export type FieldReader = (lead: RoutableLead) => RawValue;

/** The reader for a rule field: a core field, `domain`, or `custom.<name>` (exact name first, then case-insensitive). */
export function fieldReader(field: string): FieldReader {
  if (field === 'domain') return (lead) => emailDomain(lead.email);
  if (field.startsWith(CUSTOM_FIELD_PREFIX)) {
    const name = field.slice(CUSTOM_FIELD_PREFIX.length);
    const lower = name.toLowerCase();
    return (lead) => {
      const custom = lead.customFields;
      if (!custom) return undefined;
      if (Object.hasOwn(custom, name)) return custom[name];
      for (const key of Object.keys(custom)) if (key.toLowerCase() === lower) return custom[key];
      return undefined;
    };
  }
  const key = field as keyof RoutableLead;
  return (lead) => lead[key] as RawValue;
}

/** A condition's operand, prepared once. */
export interface ConditionOperand {
  /** Trimmed, lower-cased text of a single operand (as given, lower-cased, for `contains`). */
  readonly text?: string;
  /** The operand as a number, when it reads as one. */
  readonly number?: number;
  /** The operand as epoch milliseconds, for a date operand of gt/gte/lt/lte. */
  readonly time?: number;
  /** in/notIn: the lower-cased texts of the list. */
  readonly texts?: ReadonlySet<string>;
  /** in/notIn: the list's members that read as numbers. */
  readonly numbers?: ReadonlySet<number>;
}

/** A condition ready to evaluate. */
export interface CompiledCondition {
  readonly field: string;
  readonly op: RuleOp;
  readonly operand: ConditionOperand;
  /** The result for a lead that lacks the field. */
  readonly whenMissing: boolean;
  /** The result for a present value. */
  readonly test: (value: FieldValue) => boolean;
}

function scalarOperand(value: RuleScalar, trim = true): { text: string; number?: number } {
  const text = (trim ? String(value).trim() : String(value)).toLowerCase();
  const number =
    typeof value === 'number' ? value : typeof value === 'string' ? parseNumber(value) : undefined;
  return number === undefined ? { text } : { text, number };
}

function equalsTest(operand: { text: string; number?: number }): (value: FieldValue) => boolean {
  const { text, number } = operand;
  if (number === undefined) return (v) => v.text === text;
  return (v) => {
    const n = v.number;
    return n === undefined ? v.text === text : n === number;
  };
}

function orderTest(
  op: 'gt' | 'gte' | 'lt' | 'lte',
  operand: RuleScalar | undefined,
): { operand: ConditionOperand; test: (value: FieldValue) => boolean } {
  const cmp =
    op === 'gt'
      ? (a: number, b: number) => a > b
      : op === 'gte'
        ? (a: number, b: number) => a >= b
        : op === 'lt'
          ? (a: number, b: number) => a < b
          : (a: number, b: number) => a <= b;
  const number =
    typeof operand === 'number' ? operand : typeof operand === 'string' ? parseNumber(operand) : undefined;
  if (number !== undefined) {
    return {
      operand: { number },
      test: (v) => {
        const n = v.number;
        return n !== undefined && cmp(n, number);
      },
    };
  }
  const time = typeof operand === 'string' ? parseIsoTime(operand) : undefined;
  if (time !== undefined) {
    return {
      operand: { time },
      test: (v) => {
        const t = v.time;
        return t !== undefined && cmp(t, time);
      },
    };
  }
  // Validation refuses such operands; an unvalidated one never matches.
  return { operand: {}, test: () => false };
}

function single(value: RuleCondition['value']): RuleScalar | undefined {
  return Array.isArray(value) ? undefined : value;
}

/** Compiles one (validated) condition. */
export function compileCondition(condition: RuleCondition): CompiledCondition {
  const { field, op, value } = condition;
  const base = { field, op };
  switch (op) {
    case 'equals':
    case 'notEquals': {
      const operand = scalarOperand(single(value) ?? '');
      const equals = equalsTest(operand);
      return op === 'equals'
        ? { ...base, operand, whenMissing: false, test: equals }
        : { ...base, operand, whenMissing: true, test: (v) => !equals(v) };
    }
    case 'in':
    case 'notIn': {
      const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
      const operands = list.map((item) => scalarOperand(item));
      const texts = new Set(operands.map((o) => o.text));
      const numbers = new Set(operands.flatMap((o) => (o.number === undefined ? [] : [o.number])));
      const member =
        numbers.size === 0
          ? (v: FieldValue) => texts.has(v.text)
          : (v: FieldValue) => {
              if (texts.has(v.text)) return true;
              const n = v.number;
              return n !== undefined && numbers.has(n);
            };
      return op === 'in'
        ? { ...base, operand: { texts, numbers }, whenMissing: false, test: member }
        : { ...base, operand: { texts, numbers }, whenMissing: true, test: (v) => !member(v) };
    }
    case 'contains': {
      // Not trimmed: " inc" may deliberately look for a separate word.
      const { text } = scalarOperand(single(value) ?? '', false);
      return { ...base, operand: { text }, whenMissing: false, test: (v) => v.text.includes(text) };
    }
    case 'startsWith': {
      const { text } = scalarOperand(single(value) ?? '');
      return { ...base, operand: { text }, whenMissing: false, test: (v) => v.text.startsWith(text) };
    }
    case 'exists':
      return { ...base, operand: {}, whenMissing: false, test: () => true };
    case 'notExists':
      return { ...base, operand: {}, whenMissing: true, test: () => false };
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return { ...base, ...orderTest(op, single(value)), whenMissing: false };
  }
}

/** Whether a compiled condition holds for a field value. */
export function holds(condition: CompiledCondition, value: FieldValue): boolean {
  return value.present ? condition.test(value) : condition.whenMissing;
}

/** Evaluates one condition on one lead (compiling it first: for single use; routing compiles once). */
export function evaluateCondition(condition: RuleCondition, lead: RoutableLead): boolean {
  return holds(compileCondition(condition), new FieldValue(fieldReader(condition.field)(lead)));
}
