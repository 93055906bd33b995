import { useCallback, useState } from 'preact/hooks';
import { Field } from '../../ui/form';
import {
  CORE_COLUMNS,
  CUSTOM_NAME,
  CUSTOM_PREFIX,
  columnLabel,
  isCoreColumn,
  SEED_COLUMNS,
} from '../../ui/lead-parts';

/**
 * The All Leads columns a person chose: core fields and custom fields (`custom.<name>`),
 * in their order, kept in this browser for this person and this supplier.
 */

const storageKey = (userId: string, tenant: string) => `leadrelay:all-leads:columns:${userId}:${tenant}`;

const isColumn = (c: unknown): c is string =>
  typeof c === 'string' &&
  (isCoreColumn(c) || (c.startsWith(CUSTOM_PREFIX) && CUSTOM_NAME.test(c.slice(CUSTOM_PREFIX.length))));

function readColumns(key: string): string[] {
  try {
    const saved: unknown = JSON.parse(localStorage.getItem(key) ?? 'null');
    if (Array.isArray(saved)) {
      const columns = [...new Set(saved.filter(isColumn))];
      if (columns.length > 0) return columns;
    }
  } catch {
    // Unreadable or blocked storage: the standard columns.
  }
  return [...SEED_COLUMNS];
}

export function useColumns(userId: string, tenant: string): [string[], (columns: string[]) => void] {
  const key = storageKey(userId, tenant);
  const [state, setState] = useState(() => ({ key, columns: readColumns(key) }));
  // Another person or supplier in the same tab: their own choice.
  const columns = state.key === key ? state.columns : readColumns(key);
  const set = useCallback(
    (next: string[]) => {
      setState({ key, columns: next });
      try {
        localStorage.setItem(key, JSON.stringify(next));
      } catch {
        // Storage full or blocked: the choice holds until the page is left.
      }
    },
    [key],
  );
  return [columns, set];
}

/**
 * Which columns, in which order: move up or down and remove (buttons, so the keyboard does
 * it all), add a core field, a custom field seen on these leads, or any custom field by name.
 */
export function ColumnChooser({
  columns,
  onChange,
  seenCustom,
}: {
  columns: string[];
  onChange: (columns: string[]) => void;
  seenCustom: readonly string[];
}) {
  const [adding, setAdding] = useState('');
  const [customName, setCustomName] = useState('');
  const [customError, setCustomError] = useState<string | undefined>(undefined);
  const [said, setSaid] = useState('');
  const shown = new Set(columns);
  const coreLeft = CORE_COLUMNS.filter((c) => !shown.has(c.id));
  const customLeft = seenCustom.filter((name) => !shown.has(`${CUSTOM_PREFIX}${name}`));

  const update = (next: string[], message: string) => {
    onChange(next);
    setSaid(message);
  };
  const move = (index: number, by: -1 | 1) => {
    const next = [...columns];
    const [column] = next.splice(index, 1);
    if (column === undefined) return;
    next.splice(index + by, 0, column);
    update(next, `${columnLabel(column)} moved ${by < 0 ? 'up' : 'down'}.`);
  };
  const add = (column: string) => {
    if (shown.has(column)) return update(columns, `${columnLabel(column)} is already shown.`);
    update([...columns, column], `${columnLabel(column)} added.`);
  };

  return (
    <section class="panel leads-columns" aria-labelledby="leads-columns-title">
      <h2 id="leads-columns-title">Columns</h2>
      <p class="muted">
        Your choice is kept in this browser, for you and this supplier. Export writes the lead id and the
        standard columns first, then the others you add.
      </p>
      <ol class="leads-column-list">
        {columns.map((column, index) => (
          <li key={column}>
            <span class="leads-column-name">
              {columnLabel(column)}
              {column.startsWith(CUSTOM_PREFIX) ? <span class="muted"> (custom field)</span> : null}
            </span>
            <span class="leads-column-actions">
              <button
                type="button"
                aria-label={`Move ${columnLabel(column)} up`}
                disabled={index === 0}
                onClick={() => move(index, -1)}
              >
                Up
              </button>
              <button
                type="button"
                aria-label={`Move ${columnLabel(column)} down`}
                disabled={index === columns.length - 1}
                onClick={() => move(index, 1)}
              >
                Down
              </button>
              <button
                type="button"
                aria-label={`Remove ${columnLabel(column)}`}
                disabled={columns.length === 1}
                onClick={() =>
                  update(
                    columns.filter((c) => c !== column),
                    `${columnLabel(column)} removed.`,
                  )
                }
              >
                Remove
              </button>
            </span>
          </li>
        ))}
      </ol>
      <div class="row">
        <Field label="Add a column">
          {(id) => (
            <select
              id={id}
              value={adding}
              onChange={(e) => setAdding((e.currentTarget as HTMLSelectElement).value)}
            >
              <option value="">Choose a column…</option>
              <optgroup label="Lead fields">
                {coreLeft.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.label}
                  </option>
                ))}
              </optgroup>
              {customLeft.length > 0 ? (
                <optgroup label="Custom fields on these leads">
                  {customLeft.map((name) => (
                    <option key={name} value={`${CUSTOM_PREFIX}${name}`}>
                      {name}
                    </option>
                  ))}
                </optgroup>
              ) : null}
            </select>
          )}
        </Field>
        <div class="field">
          <button
            type="button"
            disabled={adding === ''}
            onClick={() => {
              add(adding);
              setAdding('');
            }}
          >
            Add column
          </button>
        </div>
      </div>
      <form
        class="row"
        aria-label="Add a custom field"
        onSubmit={(e) => {
          e.preventDefault();
          const name = customName.trim();
          if (!CUSTOM_NAME.test(name)) {
            setCustomError(
              'A custom field name starts with a letter and uses letters, digits, space, _ . - (at most 64).',
            );
            return;
          }
          setCustomError(undefined);
          setCustomName('');
          add(`${CUSTOM_PREFIX}${name}`);
        }}
      >
        <Field
          label="Custom field by name"
          hint="Any custom field, also one the leads on this page do not have."
          errors={customError ? [customError] : []}
        >
          {(id, d) => (
            <input
              id={id}
              value={customName}
              aria-describedby={d}
              aria-invalid={customError ? true : undefined}
              onInput={(e) => setCustomName((e.currentTarget as HTMLInputElement).value)}
            />
          )}
        </Field>
        <div class="field">
          <button type="submit">Add custom field</button>
        </div>
      </form>
      <p>
        <button
          type="button"
          class="link"
          onClick={() => update([...SEED_COLUMNS], 'Standard columns restored.')}
        >
          Restore the standard columns
        </button>
      </p>
      <p class="sr-only" role="status">
        {said}
      </p>
    </section>
  );
}
