import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, type Schemas } from '../../api/client';
import {
  loadAllPartners,
  loadRoutingRules,
  previewRoutingRules,
  publishRoutingRules,
  type RoutingPreview,
  type StoredRoutingRules,
} from '../../data/routing';
import { useAction, useLoad } from '../../ui/data';
import { detailsAt, ErrorNote, Outcome } from '../../ui/errors';
import { Field, PageTitle } from '../../ui/form';
import { when } from '../../ui/format';
import {
  CUSTOM_PREFIX,
  type Draft,
  type DraftCondition,
  type DraftGroup,
  FIELD_VALUES,
  isCustom,
  locate,
  move,
  newCondition,
  newGroup,
  ORDER_OPS,
  type RoutingStrategy,
  RULE_FIELDS,
  RULE_OPS,
  type RuleOp,
  type SentShape,
  STRATEGIES,
  sameRules,
  sentPath,
  shapeOf,
  toDraft,
  toRules,
} from './routing-draft';
import { PreviewResult } from './routing-preview';
import './routing.css';

type Partner = Schemas['Partner'];

const PREVIEW_LIMITS = [50, 100, 200, 500];
const CUSTOM_OPTION = '__custom';

/**
 * Routing rules: the ordered groups a lead is routed by (after an explicit partner and
 * account ownership), edited as a draft — groups dragged or moved with buttons, conditions
 * added and removed — tried on recent leads (the preview), then published on the version
 * that was loaded. Every problem the API names shows at the control its path names.
 */
export default function RoutingRules() {
  const loaded = useLoad(() => Promise.all([loadRoutingRules(), loadAllPartners()]), []);
  if (loaded.error) return <Failed error={loaded.error} retry={loaded.reload} />;
  if (!loaded.data) {
    return (
      <>
        <PageTitle>Routing rules</PageTitle>
        <p class="loading">Loading the rules…</p>
      </>
    );
  }
  const [rules, partners] = loaded.data;
  return <Editor initial={rules} partners={partners} />;
}

function Failed({ error, retry }: { error: unknown; retry: () => void }) {
  return (
    <>
      <PageTitle>Routing rules</PageTitle>
      <ErrorNote error={error} title="Could not load the routing rules." />
      <button type="button" onClick={retry}>
        Try again
      </button>
    </>
  );
}

function Editor({ initial, partners }: { initial: StoredRoutingRules; partners: Partner[] }) {
  const [base, setBase] = useState(initial);
  const [draft, setDraft] = useState<Draft>(() => toDraft(initial));
  /** The draft's shape when it was last sent: the API's paths point into it. */
  const [sent, setSent] = useState<SentShape | undefined>(undefined);
  const [preview, setPreview] = useState<{ result: RoutingPreview; rules: string } | undefined>();
  const [limit, setLimit] = useState(100);
  const [announcement, setAnnouncement] = useState('');
  const [theirs, setTheirs] = useState<StoredRoutingRules | undefined>(undefined);
  const act = useAction();
  const focusNext = useRef<string | undefined>(undefined);
  const root = useRef<HTMLDivElement>(null);

  const dirty = !sameRules(draft, base);
  const rulesJson = useMemo(() => JSON.stringify(toRules(draft)), [draft]);
  const conflict = act.error instanceof ApiError && act.error.status === 409;

  // After a move, an add or a removal, focus lands where the person can go on from.
  useEffect(() => {
    const target = focusNext.current;
    if (!target) return;
    focusNext.current = undefined;
    root.current?.querySelector<HTMLElement>(`[data-control="${target}"]`)?.focus();
  });

  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    addEventListener('beforeunload', warn);
    return () => removeEventListener('beforeunload', warn);
  }, [dirty]);

  const setGroups = (groups: DraftGroup[]) => setDraft({ groups });
  const updateGroup = (key: string, change: Partial<DraftGroup>) =>
    setGroups(draft.groups.map((g) => (g.key === key ? { ...g, ...change } : g)));

  const moveGroup = (key: string, to: number, how: 'button' | 'drag') => {
    const from = draft.groups.findIndex((g) => g.key === key);
    const group = draft.groups[from];
    if (!group || to < 0 || to >= draft.groups.length || to === from) return;
    setGroups(move(draft.groups, from, to));
    setAnnouncement(
      `Moved group “${group.name || 'unnamed'}” to position ${to + 1} of ${draft.groups.length}.`,
    );
    if (how === 'button') {
      const up = to < from;
      const edge = up ? to === 0 : to === draft.groups.length - 1;
      focusNext.current = `${key}/${up !== edge ? 'move-up' : 'move-down'}`;
    }
  };

  const addGroup = () => {
    const group = newGroup(`Group ${draft.groups.length + 1}`);
    setGroups([...draft.groups, group]);
    focusNext.current = `${group.key}/name`;
  };

  const removeGroup = (key: string) => {
    const index = draft.groups.findIndex((g) => g.key === key);
    const groups = draft.groups.filter((g) => g.key !== key);
    setGroups(groups);
    const next = groups[index] ?? groups[index - 1];
    focusNext.current = next ? `${next.key}/name` : 'add-group';
    setAnnouncement(`Removed group ${index + 1}.`);
  };

  const runPreview = () => {
    const shape = shapeOf(draft);
    const rules = toRules(draft);
    const json = JSON.stringify(rules);
    setSent(shape);
    setTheirs(undefined);
    void act
      .run(
        () => previewRoutingRules(rules, limit),
        (r) => `Preview ready: where the ${r.items.length} most recent leads would go. Nothing was changed.`,
      )
      .then((result) => {
        if (result) setPreview({ result, rules: json });
      });
  };

  const publish = () => {
    const shape = shapeOf(draft);
    setSent(shape);
    setTheirs(undefined);
    void act
      .run(
        () => publishRoutingRules(toRules(draft), base.version),
        (r) => `Published version ${r.version}: new leads are routed by these rules from now on.`,
      )
      .then((stored) => {
        if (stored) {
          setBase(stored);
          setDraft(toDraft(stored));
          setSent(undefined);
        }
      });
  };

  // A 409: someone else published meanwhile. Show who, and offer to load theirs.
  useEffect(() => {
    if (!conflict) return;
    let live = true;
    loadRoutingRules().then(
      (r) => live && setTheirs(r),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [conflict, act.error]);

  const reloadTheirs = () => {
    const latest = theirs;
    if (!latest) return;
    setBase(latest);
    setDraft(toDraft(latest));
    setSent(undefined);
    setTheirs(undefined);
    setPreview(undefined);
    act.clear();
  };

  const discard = () => {
    if (!confirm('Discard your changes and go back to the published rules?')) return;
    setDraft(toDraft(base));
    setSent(undefined);
    act.clear();
  };

  const errorsAt = (path: string | undefined, exact = false): string[] => {
    if (!path || !(act.error instanceof ApiError)) return [];
    return exact
      ? act.error.body.details.filter((d) => d.path === path).map((d) => d.message)
      : detailsAt(act.error, path);
  };

  const partnerById = useMemo(() => new Map(partners.map((p) => [p.id, p])), [partners]);

  return (
    <div ref={root} class="routing">
      <PageTitle
        actions={
          <>
            {dirty ? <span class="badge badge-warn">Unpublished changes</span> : null}
            <span class="badge badge-info">Version {base.version}</span>
          </>
        }
      >
        Routing rules
      </PageTitle>
      <p class="muted">
        A lead goes to the partner it names, else to the partner that owns its account, else by these rules:
        the <strong>first</strong> group whose conditions <strong>all</strong> hold decides. A lead no group
        takes stays Unassigned.
      </p>
      <p class="published">
        {base.version === 0 ? (
          'No rules published yet.'
        ) : (
          <>
            Published version {base.version}
            {base.updatedAt ? <> on {when(base.updatedAt)}</> : null}
            {base.updatedBy ? <> by {base.updatedBy}</> : null}.
          </>
        )}
      </p>

      {conflict ? (
        <div class="note note-warn" role="alert">
          <p>
            <strong>Someone else published the rules</strong> since you loaded version {base.version}
            {theirs ? (
              <>
                : version {theirs.version}
                {theirs.updatedAt ? <> on {when(theirs.updatedAt)}</> : null}
                {theirs.updatedBy ? <> by {theirs.updatedBy}</> : null}
              </>
            ) : null}
            . Yours were not published.
          </p>
          <p>
            <button type="button" onClick={reloadTheirs} disabled={!theirs}>
              Load the published rules
            </button>{' '}
            <span class="muted">(this discards your changes here)</span>
          </p>
        </div>
      ) : (
        <ErrorNote error={act.error} title="Not done: fix what the API names below." />
      )}
      {!conflict ? <ErrorLinks error={act.error} sent={sent} draft={draft} /> : null}
      <Outcome message={act.outcome} />
      <p class="sr-only" role="status">
        {announcement}
      </p>

      {draft.groups.length === 0 ? (
        <p class="panel">
          No groups: every lead that no named partner or account owner takes stays Unassigned.
        </p>
      ) : (
        <ol class="rule-groups">
          {draft.groups.map((group, index) => (
            <GroupCard
              key={group.key}
              group={group}
              index={index}
              count={draft.groups.length}
              partners={partners}
              partnerById={partnerById}
              path={sentPath(sent, group.key)}
              sent={sent}
              errorsAt={errorsAt}
              onChange={(change) => updateGroup(group.key, change)}
              onMove={(to, how) => moveGroup(group.key, to, how)}
              onDropGroup={(fromKey, to) => {
                const from = draft.groups.findIndex((g) => g.key === fromKey);
                moveGroup(fromKey, from < to ? to - 1 : to, 'drag');
              }}
              onRemove={() => removeGroup(group.key)}
              onFocus={(target) => {
                focusNext.current = target;
              }}
            />
          ))}
        </ol>
      )}

      <div class="rules-actions">
        <button type="button" onClick={addGroup} data-control="add-group">
          Add group
        </button>
        <span class="spacer" />
        <Field label="Leads to try">
          {(id) => (
            <select id={id} value={limit} onChange={(e) => setLimit(Number(e.currentTarget.value))}>
              {PREVIEW_LIMITS.map((n) => (
                <option key={n} value={n}>
                  {n} most recent
                </option>
              ))}
            </select>
          )}
        </Field>
        <button type="button" onClick={runPreview} disabled={act.busy}>
          Preview on recent leads
        </button>
        <button type="button" class="primary" onClick={publish} disabled={act.busy || !dirty}>
          Publish
        </button>
        <button type="button" onClick={discard} disabled={act.busy || !dirty}>
          Discard changes
        </button>
      </div>

      {preview ? <PreviewResult result={preview.result} stale={preview.rules !== rulesJson} /> : null}
    </div>
  );
}

/** The API's problems as links to the controls they name, in the draft's current order. */
function ErrorLinks({ error, sent, draft }: { error: unknown; sent: SentShape | undefined; draft: Draft }) {
  if (!(error instanceof ApiError) || error.body.details.length === 0) return null;
  const items = error.body.details.flatMap((d) => {
    const at = locate(sent, d.path);
    const gi = draft.groups.findIndex((g) => g.key === at.groupKey);
    const group = draft.groups[gi];
    if (!group) return [];
    const ci = at.conditionKey ? group.conditions.findIndex((c) => c.key === at.conditionKey) : -1;
    if (at.conditionKey && ci < 0) return [];
    const where = [
      `Group ${gi + 1}${group.name ? ` “${group.name}”` : ''}`,
      ci >= 0 ? `condition ${ci + 1}` : undefined,
      partLabel(at.part),
    ]
      .filter(Boolean)
      .join(', ');
    const targets = controlCandidates(group.key, at.conditionKey, at.part);
    return [{ key: `${d.path}:${d.message}`, where, message: d.message, targets }];
  });
  if (items.length === 0) return null;
  return (
    <nav class="error-links" aria-label="Problems to fix">
      <p>Go to each problem:</p>
      <ul>
        {items.map((item) => (
          <li key={item.key}>
            <button
              type="button"
              class="link"
              onClick={() => {
                for (const t of item.targets) {
                  const el = document.querySelector<HTMLElement>(`[data-control="${t}"]`);
                  if (el) {
                    el.focus();
                    el.scrollIntoView({ block: 'center' });
                    return;
                  }
                }
              }}
            >
              {item.where}
            </button>
            : {item.message}
          </li>
        ))}
      </ul>
    </nav>
  );
}

function partLabel(part: string): string | undefined {
  const [head, sub] = part.split('.');
  switch (head) {
    case '':
    case undefined:
      return undefined;
    case 'name':
      return 'name';
    case 'conditions':
      return 'conditions';
    case 'field':
      return 'field';
    case 'op':
      return 'operator';
    case 'value':
      return 'value';
    case 'assign':
      return sub === 'strategy' ? 'strategy' : sub === 'partnerIds' ? 'pool partners' : 'partner';
    default:
      return part;
  }
}

/** The data-control names a path may point at, most specific first. */
function controlCandidates(groupKey: string, conditionKey: string | undefined, part: string): string[] {
  if (conditionKey) {
    const head = part.split('.')[0] || 'field';
    return [`${groupKey}/${conditionKey}/${head}`, `${groupKey}/${conditionKey}/field`];
  }
  const parts = part.split('.');
  const names: string[] = [];
  for (let i = Math.min(parts.length, 2); i > 0; i--)
    names.push(`${groupKey}/${parts.slice(0, i).join('.')}`);
  return [...names, `${groupKey}/name`];
}

interface GroupProps {
  group: DraftGroup;
  index: number;
  count: number;
  partners: Partner[];
  partnerById: Map<string, Partner>;
  /** The group's path in the draft as last sent (`groups.2`), undefined when added since. */
  path: string | undefined;
  sent: SentShape | undefined;
  errorsAt: (path: string | undefined, exact?: boolean) => string[];
  onChange: (change: Partial<DraftGroup>) => void;
  onMove: (to: number, how: 'button' | 'drag') => void;
  /** Another group dropped on this one: it goes to `to` (an index into the list before the move). */
  onDropGroup: (fromKey: string, to: number) => void;
  onRemove: () => void;
  onFocus: (control: string) => void;
}

/** Drag state shared by the groups of one list (a module-level value: one drag at a time). */
const dragging: { key: string | undefined } = { key: undefined };

function GroupCard(props: GroupProps) {
  const { group, index, count, path } = props;
  const [drop, setDrop] = useState<'before' | 'after' | undefined>(undefined);
  const item = useRef<HTMLLIElement>(null);
  const headingId = `${group.key}-heading`;
  const at = (suffix: string) => (path ? `${path}.${suffix}` : undefined);
  const title = group.name.trim() || 'Unnamed group';

  const setCondition = (key: string, change: Partial<DraftCondition>) =>
    props.onChange({ conditions: group.conditions.map((c) => (c.key === key ? { ...c, ...change } : c)) });

  const conditionErrors = props.errorsAt(at('conditions'), true);
  const assignErrors = props.errorsAt(at('assign'), true);

  return (
    <li
      ref={item}
      class={`rule-group${drop ? ` drop-${drop}` : ''}`}
      aria-labelledby={headingId}
      onDragOver={(e) => {
        if (!dragging.key || dragging.key === group.key) return;
        e.preventDefault();
        if (e.dataTransfer) e.dataTransfer.dropEffect = 'move';
        const box = item.current?.getBoundingClientRect();
        setDrop(box && e.clientY > box.top + box.height / 2 ? 'after' : 'before');
      }}
      onDragLeave={(e) => {
        if (!item.current?.contains(e.relatedTarget as Node | null)) setDrop(undefined);
      }}
      onDrop={(e) => {
        e.preventDefault();
        const from = dragging.key;
        const where = drop;
        setDrop(undefined);
        if (!from || from === group.key) return;
        // Dropped on this group: the dragged one takes its place (before or after it).
        props.onDropGroup(from, where === 'after' ? index + 1 : index);
      }}
    >
      <div class="group-head">
        <span
          class="drag-handle"
          draggable
          title="Drag to reorder (or use Move up and Move down)"
          aria-hidden="true"
          data-drag={group.key}
          onDragStart={(e) => {
            dragging.key = group.key;
            if (e.dataTransfer) {
              e.dataTransfer.effectAllowed = 'move';
              e.dataTransfer.setData('text/plain', group.name);
              if (item.current) e.dataTransfer.setDragImage(item.current, 16, 16);
            }
            item.current?.classList.add('dragging');
          }}
          onDragEnd={() => {
            dragging.key = undefined;
            item.current?.classList.remove('dragging');
          }}
        >
          ⠿
        </span>
        <h2 id={headingId}>
          <span class="group-number">{index + 1}.</span> {title}
        </h2>
        <div class="group-moves">
          <button
            type="button"
            data-control={`${group.key}/move-up`}
            disabled={index === 0}
            aria-label={`Move up: group “${title}”`}
            onClick={() => props.onMove(index - 1, 'button')}
          >
            Move up
          </button>
          <button
            type="button"
            data-control={`${group.key}/move-down`}
            disabled={index === count - 1}
            aria-label={`Move down: group “${title}”`}
            onClick={() => props.onMove(index + 1, 'button')}
          >
            Move down
          </button>
          <button type="button" class="danger" onClick={props.onRemove}>
            Remove<span class="sr-only"> group “{title}”</span>
          </button>
        </div>
      </div>

      <ErrorList messages={props.errorsAt(path, true)} />
      <Field
        label="Group name"
        hint="Recorded on every lead this group routes."
        errors={props.errorsAt(at('name'))}
      >
        {(id, d) => (
          <input
            id={id}
            data-control={`${group.key}/name`}
            value={group.name}
            aria-describedby={d}
            aria-invalid={props.errorsAt(at('name')).length > 0 || undefined}
            onInput={(e) => props.onChange({ name: e.currentTarget.value })}
          />
        )}
      </Field>

      <fieldset class={`conditions${conditionErrors.length ? ' field-invalid' : ''}`}>
        <legend>When all of these hold</legend>
        <ErrorList messages={conditionErrors} />
        {group.conditions.length === 0 ? <p class="muted">No conditions yet.</p> : null}
        <ol class="condition-list">
          {group.conditions.map((c, ci) => (
            <ConditionRow
              key={c.key}
              condition={c}
              groupKey={group.key}
              index={ci}
              path={sentPath(props.sent, group.key, c.key)}
              errorsAt={props.errorsAt}
              onChange={(change) => setCondition(c.key, change)}
              onRemove={() => {
                const rest = group.conditions.filter((x) => x.key !== c.key);
                props.onChange({ conditions: rest });
                const next = rest[ci] ?? rest[ci - 1];
                props.onFocus(next ? `${group.key}/${next.key}/field` : `${group.key}/conditions`);
              }}
            />
          ))}
        </ol>
        <button
          type="button"
          data-control={`${group.key}/conditions`}
          onClick={() => {
            const c = newCondition();
            props.onChange({ conditions: [...group.conditions, c] });
            props.onFocus(`${group.key}/${c.key}/field`);
          }}
        >
          Add condition<span class="sr-only"> to group “{title}”</span>
        </button>
      </fieldset>

      <Assign
        group={group}
        partners={props.partners}
        partnerById={props.partnerById}
        at={at}
        errorsAt={props.errorsAt}
        assignErrors={assignErrors}
        onChange={props.onChange}
      />
    </li>
  );
}

function ErrorList({ messages }: { messages: string[] }) {
  if (messages.length === 0) return null;
  return <p class="field-error">{messages.join('; ')}</p>;
}

function ConditionRow(props: {
  condition: DraftCondition;
  groupKey: string;
  index: number;
  path: string | undefined;
  errorsAt: (path: string | undefined, exact?: boolean) => string[];
  onChange: (change: Partial<DraftCondition>) => void;
  onRemove: () => void;
}) {
  const { condition: c, groupKey, index, path } = props;
  const control = (part: string) => `${groupKey}/${c.key}/${part}`;
  const at = (part: string) => (path ? `${path}.${part}` : undefined);
  const custom = isCustom(c.field);
  const takes = RULE_OPS[c.op].takes;
  const fieldErrors = props.errorsAt(at('field'));
  const opErrors = props.errorsAt(at('op'));
  const valueErrors = props.errorsAt(at('value'));
  const rowErrors = props.errorsAt(path, true);
  const suggestions = custom ? undefined : FIELD_VALUES[c.field as keyof typeof FIELD_VALUES];
  const listId = `${groupKey}-${c.key}-values`;

  return (
    <li class="condition" aria-label={`Condition ${index + 1}`}>
      {index > 0 ? (
        <span class="and" aria-hidden="true">
          and
        </span>
      ) : null}
      <div class="condition-controls">
        <Field label="Field" errors={custom ? undefined : fieldErrors}>
          {(id, d) => (
            <select
              id={id}
              data-control={custom ? undefined : control('field')}
              value={custom ? CUSTOM_OPTION : c.field}
              aria-describedby={d}
              aria-invalid={(!custom && fieldErrors.length > 0) || undefined}
              onChange={(e) => {
                const value = e.currentTarget.value;
                props.onChange({ field: value === CUSTOM_OPTION ? CUSTOM_PREFIX : value });
              }}
            >
              {Object.entries(RULE_FIELDS).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
              <option value={CUSTOM_OPTION}>Custom field…</option>
            </select>
          )}
        </Field>
        {custom ? (
          <Field label="Custom field name" errors={fieldErrors}>
            {(id, d) => (
              <input
                id={id}
                data-control={control('field')}
                value={c.field.slice(CUSTOM_PREFIX.length)}
                aria-describedby={d}
                aria-invalid={fieldErrors.length > 0 || undefined}
                onInput={(e) => props.onChange({ field: `${CUSTOM_PREFIX}${e.currentTarget.value}` })}
              />
            )}
          </Field>
        ) : null}
        <Field label="Operator" errors={opErrors}>
          {(id, d) => (
            <select
              id={id}
              data-control={control('op')}
              value={c.op}
              aria-describedby={d}
              aria-invalid={opErrors.length > 0 || undefined}
              onChange={(e) => props.onChange({ op: e.currentTarget.value as RuleOp })}
            >
              {Object.entries(RULE_OPS).map(([value, info]) => (
                <option key={value} value={value}>
                  {info.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        {takes === 'none' ? (
          <div class="field no-value">
            <span class="muted">No value needed</span>
            {valueErrors.length ? <small class="field-error">{valueErrors.join('; ')}</small> : null}
          </div>
        ) : takes === 'list' ? (
          <Field label="Values" hint="One per line, or separated by commas." errors={valueErrors}>
            {(id, d) => (
              <textarea
                id={id}
                rows={2}
                data-control={control('value')}
                value={c.text}
                aria-describedby={d}
                aria-invalid={valueErrors.length > 0 || undefined}
                onInput={(e) => props.onChange({ text: e.currentTarget.value })}
              />
            )}
          </Field>
        ) : (
          <Field
            label="Value"
            hint={ORDER_OPS.has(c.op) ? 'A number, or a date (YYYY-MM-DD).' : undefined}
            errors={valueErrors}
          >
            {(id, d) => (
              <>
                <input
                  id={id}
                  data-control={control('value')}
                  value={c.text}
                  list={suggestions ? listId : undefined}
                  aria-describedby={d}
                  aria-invalid={valueErrors.length > 0 || undefined}
                  onInput={(e) => props.onChange({ text: e.currentTarget.value })}
                />
                {suggestions ? (
                  <datalist id={listId}>
                    {suggestions.map((s) => (
                      <option key={s} value={s} />
                    ))}
                  </datalist>
                ) : null}
              </>
            )}
          </Field>
        )}
        <div class="field remove">
          <button type="button" class="link" onClick={props.onRemove}>
            Remove<span class="sr-only"> condition {index + 1}</span>
          </button>
        </div>
      </div>
      <ErrorList messages={rowErrors} />
    </li>
  );
}

function Assign(props: {
  group: DraftGroup;
  partners: Partner[];
  partnerById: Map<string, Partner>;
  at: (suffix: string) => string | undefined;
  errorsAt: (path: string | undefined, exact?: boolean) => string[];
  assignErrors: string[];
  onChange: (change: Partial<DraftGroup>) => void;
}) {
  const { group, partners, partnerById, at } = props;
  const name = `${group.key}-mode`;
  const oneErrors = props.errorsAt(at('assign.partnerId'));
  const poolErrors = props.errorsAt(at('assign.partnerIds'));
  const strategyErrors = props.errorsAt(at('assign.strategy'));
  const unknown = (ids: string[]) => ids.filter((id) => id && !partnerById.has(id));
  const chosen = partnerById.get(group.partnerId);
  return (
    <fieldset class={`assign${props.assignErrors.length ? ' field-invalid' : ''}`}>
      <legend>Then assign to</legend>
      <ErrorList messages={props.assignErrors} />
      <div class="modes">
        <label class="check">
          <input
            type="radio"
            name={name}
            data-control={`${group.key}/assign`}
            checked={group.mode === 'one'}
            onChange={() => props.onChange({ mode: 'one' })}
          />
          One partner
        </label>
        <label class="check">
          <input
            type="radio"
            name={name}
            checked={group.mode === 'pool'}
            onChange={() => props.onChange({ mode: 'pool' })}
          />
          A pool of partners
        </label>
      </div>
      {group.mode === 'one' ? (
        <Field label="Partner" errors={oneErrors} hint={chosen ? partnerState(chosen) : undefined}>
          {(id, d) => (
            <select
              id={id}
              data-control={`${group.key}/assign.partnerId`}
              value={group.partnerId}
              aria-describedby={d}
              aria-invalid={oneErrors.length > 0 || undefined}
              onChange={(e) => props.onChange({ partnerId: e.currentTarget.value })}
            >
              <option value="">Choose a partner…</option>
              {partners.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                  {p.disabled ? ' (disabled)' : p.paused ? ' (paused)' : ''}
                </option>
              ))}
              {unknown([group.partnerId]).map((id) => (
                <option key={id} value={id}>
                  Unknown partner {id}
                </option>
              ))}
            </select>
          )}
        </Field>
      ) : (
        <div class="pool">
          <fieldset class={`pool-partners${poolErrors.length ? ' field-invalid' : ''}`}>
            <legend>Partners in the pool</legend>
            <div class="pool-list">
              {[
                ...partners.map((p) => ({ id: p.id, label: p.name, partner: p })),
                ...unknown(group.partnerIds).map((id) => ({
                  id,
                  label: `Unknown partner ${id}`,
                  partner: undefined,
                })),
              ].map((p, i) => (
                <label class="check" key={p.id}>
                  <input
                    type="checkbox"
                    data-control={i === 0 ? `${group.key}/assign.partnerIds` : undefined}
                    checked={group.partnerIds.includes(p.id)}
                    onChange={(e) =>
                      props.onChange({
                        partnerIds: e.currentTarget.checked
                          ? [...group.partnerIds, p.id]
                          : group.partnerIds.filter((x) => x !== p.id),
                      })
                    }
                  />
                  {p.label}
                  {p.partner ? (
                    <span class="muted">
                      {group.strategy === 'weighted' ? ` · weight ${p.partner.weight}` : ''}
                      {p.partner.disabled ? ' · disabled' : p.partner.paused ? ' · paused' : ''}
                    </span>
                  ) : null}
                </label>
              ))}
            </div>
            {poolErrors.length ? <small class="field-error">{poolErrors.join('; ')}</small> : null}
          </fieldset>
          <Field label="Strategy" hint={STRATEGIES[group.strategy].hint} errors={strategyErrors}>
            {(id, d) => (
              <select
                id={id}
                data-control={`${group.key}/assign.strategy`}
                value={group.strategy}
                aria-describedby={d}
                aria-invalid={strategyErrors.length > 0 || undefined}
                onChange={(e) => props.onChange({ strategy: e.currentTarget.value as RoutingStrategy })}
              >
                {Object.entries(STRATEGIES).map(([value, info]) => (
                  <option key={value} value={value}>
                    {info.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
      )}
    </fieldset>
  );
}

function partnerState(p: Partner): string | undefined {
  if (p.disabled) return 'Disabled: routing skips it.';
  if (p.paused) return 'Paused: routing skips it while paused.';
  if (p.capacity !== null) return `Takes at most ${p.capacity} Pending leads at once.`;
  return undefined;
}
