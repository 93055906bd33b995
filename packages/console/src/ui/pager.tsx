import { useState } from 'preact/hooks';

/**
 * Cursor paging as the API pages (`cursor` in, `nextCursor` out): the cursors of the pages
 * before this one are kept, so Previous goes back exactly.
 */
export function usePager(resetKey: string) {
  const [state, setState] = useState<{ key: string; stack: (string | undefined)[] }>({
    key: resetKey,
    stack: [undefined],
  });
  // A new filter starts again at page one.
  const stack = state.key === resetKey ? state.stack : [undefined];
  const cursor = stack[stack.length - 1];
  return {
    cursor,
    page: stack.length,
    next: (nextCursor: string) => setState({ key: resetKey, stack: [...stack, nextCursor] }),
    previous: () => setState({ key: resetKey, stack: stack.length > 1 ? stack.slice(0, -1) : stack }),
    first: () => setState({ key: resetKey, stack: [undefined] }),
  };
}

export function Pager(props: {
  pager: ReturnType<typeof usePager>;
  nextCursor: string | null | undefined;
  count: number;
  label?: string;
}) {
  const { pager, nextCursor } = props;
  return (
    <nav class="pager" aria-label={props.label ?? 'Pages'}>
      <button type="button" onClick={pager.previous} disabled={pager.page <= 1}>
        Previous
      </button>
      <span>
        Page {pager.page} · {props.count} shown
      </span>
      <button type="button" onClick={() => nextCursor && pager.next(nextCursor)} disabled={!nextCursor}>
        Next
      </button>
    </nav>
  );
}
