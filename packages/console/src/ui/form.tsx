import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';

/**
 * A labelled field: the label, the control (given the id to use), a hint, and the errors the
 * API named for this field, tied to the control with aria-describedby.
 */
export function Field(props: {
  label: string;
  hint?: string;
  errors?: string[];
  children: (id: string, describedBy: string | undefined) => ComponentChildren;
}) {
  const id = useId();
  const hintId = props.hint ? `${id}-hint` : undefined;
  const errorId = props.errors && props.errors.length > 0 ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field${errorId ? ' field-invalid' : ''}`}>
      <label for={id}>{props.label}</label>
      {props.children(id, describedBy)}
      {props.hint ? (
        <small id={hintId} class="hint">
          {props.hint}
        </small>
      ) : null}
      {errorId ? (
        <small id={errorId} class="field-error">
          {props.errors?.join('; ')}
        </small>
      ) : null}
    </div>
  );
}

export function PageTitle({
  children,
  actions,
}: {
  children: ComponentChildren;
  actions?: ComponentChildren;
}) {
  return (
    <div class="page-title">
      <h1 tabIndex={-1}>{children}</h1>
      {actions ? <div class="actions">{actions}</div> : null}
    </div>
  );
}

/** Comma- or newline-separated text as a list, and back. */
export const splitList = (text: string): string[] =>
  text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
export const joinList = (items: readonly string[] | undefined): string => (items ?? []).join(', ');
