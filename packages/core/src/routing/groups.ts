import {
  type CompiledCondition,
  compileCondition,
  type FieldReader,
  fieldReader,
  type RoutableLead,
} from './conditions';
import type { RuleCondition } from './rules';
import { FieldValue } from './values';

/**
 * The one compiled rule engine: ordered groups of conditions, AND within a
 * group, OR across groups, the first group that holds decides. Routing rule
 * groups (which add an `assign`) and registration rule groups (which do not)
 * both compile here, so they share operators, fields and semantics exactly.
 *
 * Compiled once per file or request: rule operands lower-cased and parsed,
 * fields given slots so a lead's value is read and normalised once however many
 * conditions test it, and groups indexed by a text-equality condition so a lead
 * only evaluates the groups that can hold for it.
 */

/** A condition with the slot of its field's value in the per-lead value table. */
export interface SlottedCondition extends CompiledCondition {
  readonly slot: number;
}

/** What the engine needs of a group: a name and its conditions (all must hold). */
export interface ConditionGroup {
  name: string;
  conditions: readonly RuleCondition[];
}

/** Condition groups, compiled. */
export interface CompiledGroups {
  /** How many groups. */
  readonly size: number;
  /** The distinct fields the groups test, by slot. */
  readonly fields: readonly string[];
  /** Each group's compiled conditions, in the group's order. */
  readonly conditions: readonly (readonly SlottedCondition[])[];
  /** The first group whose conditions all hold (AND within, OR across, in order). */
  firstMatch(lead: RoutableLead): { name: string; index: number } | undefined;
  /** `firstMatch`'s index, or -1: allocates nothing beyond the lead's value table. */
  firstIndex(lead: RoutableLead): number;
}

class Groups implements CompiledGroups {
  readonly fields: string[] = [];
  readonly conditions: SlottedCondition[][];
  private readonly names: string[];
  private readonly readers: FieldReader[] = [];
  /** Per field: which groups' key condition a lead value satisfies (see `indexGroups`). */
  private readonly keyIndexes: { slot: number; groupsByText: Map<string, number[]> }[] = [];
  /** 1 for a group with a key condition: it is only evaluated when the key index names it. */
  private readonly keyedGroups: Uint8Array;
  /** Per group, the pass (`epoch`) in which the key index last named it; reused so a lead allocates no table. */
  private readonly candidateMarks: Uint32Array;
  private epoch = 0;

  constructor(groups: readonly ConditionGroup[]) {
    const slots = new Map<string, number>();
    this.names = groups.map((group) => group.name);
    this.conditions = groups.map((group) =>
      group.conditions.map((condition) => {
        let fieldSlot = slots.get(condition.field);
        if (fieldSlot === undefined) {
          fieldSlot = this.fields.length;
          slots.set(condition.field, fieldSlot);
          this.fields.push(condition.field);
          this.readers.push(fieldReader(condition.field));
        }
        const { field, op, operand, whenMissing, test } = compileCondition(condition);
        // One object shape for every condition keeps the evaluation loop's property reads monomorphic.
        return { field, op, operand, whenMissing, test, slot: fieldSlot };
      }),
    );
    this.keyedGroups = new Uint8Array(groups.length);
    this.candidateMarks = new Uint32Array(groups.length);
    this.indexGroups();
  }

  get size(): number {
    return this.conditions.length;
  }

  /**
   * Indexes each group by one condition that is a pure text equality (`equals`,
   * or `in`, whose operands do not read as numbers), the one with the fewest
   * texts: such a condition holds exactly when the lead's lower-cased value is
   * one of its texts, so a lookup by the lead's value names every group it can
   * hold for. Groups without one are always evaluated; order and results are
   * those of a plain scan.
   */
  private indexGroups(): void {
    const bySlot = new Map<number, Map<string, number[]>>();
    this.conditions.forEach((conditions, index) => {
      let key: SlottedCondition | undefined;
      let keyTexts = Number.POSITIVE_INFINITY;
      for (const c of conditions) {
        const texts =
          c.op === 'equals' && c.operand.number === undefined && c.operand.text !== undefined
            ? 1
            : c.op === 'in' && c.operand.numbers?.size === 0 && c.operand.texts !== undefined
              ? c.operand.texts.size
              : Number.POSITIVE_INFINITY;
        if (texts < keyTexts) {
          key = c;
          keyTexts = texts;
        }
      }
      if (!key) return;
      this.keyedGroups[index] = 1;
      let groupsByText = bySlot.get(key.slot);
      if (!groupsByText) {
        groupsByText = new Map();
        bySlot.set(key.slot, groupsByText);
        this.keyIndexes.push({ slot: key.slot, groupsByText });
      }
      const texts = key.op === 'equals' ? [key.operand.text as string] : [...(key.operand.texts ?? [])];
      for (const text of texts) {
        const list = groupsByText.get(text);
        if (list) list.push(index);
        else groupsByText.set(text, [index]);
      }
    });
  }

  firstIndex(lead: RoutableLead): number {
    const values: (FieldValue | undefined)[] = new Array(this.readers.length);
    const valueAt = (fieldSlot: number): FieldValue => {
      let value = values[fieldSlot];
      if (value === undefined) {
        value = new FieldValue((this.readers[fieldSlot] as FieldReader)(lead));
        values[fieldSlot] = value;
      }
      return value;
    };
    // Matching is synchronous and calls nothing that could re-enter it, so one marks table serves every lead.
    if (this.epoch === 0xffffffff) {
      this.candidateMarks.fill(0);
      this.epoch = 0;
    }
    const epoch = ++this.epoch;
    const marks = this.candidateMarks;
    for (const { slot: fieldSlot, groupsByText } of this.keyIndexes) {
      const value = valueAt(fieldSlot);
      const hits = value.present ? groupsByText.get(value.text) : undefined;
      if (hits) for (const index of hits) marks[index] = epoch;
    }
    const keyed = this.keyedGroups;
    const groups = this.conditions;
    for (let index = 0; index < groups.length; index++) {
      if (keyed[index] === 1 && marks[index] !== epoch) continue;
      let holds = true;
      for (const condition of groups[index] as SlottedCondition[]) {
        const value = valueAt(condition.slot);
        if (!(value.present ? condition.test(value) : condition.whenMissing)) {
          holds = false;
          break;
        }
      }
      if (holds) return index;
    }
    return -1;
  }

  firstMatch(lead: RoutableLead): { name: string; index: number } | undefined {
    const index = this.firstIndex(lead);
    return index < 0 ? undefined : { name: this.names[index] as string, index };
  }
}

/**
 * Compiles condition groups (routing's or registration's, already validated)
 * once per file or request; `firstMatch` then evaluates a lead.
 */
export function compileGroups(groups: readonly ConditionGroup[]): CompiledGroups {
  return new Groups(groups);
}
