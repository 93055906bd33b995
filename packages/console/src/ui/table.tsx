import {
  type ColumnDef,
  flexRender,
  getCoreRowModel,
  type Row,
  useReactTable,
  type VisibilityState,
} from '@tanstack/react-table';

export type { ColumnDef };

/**
 * A grid over one page of rows (TanStack Table, headless, on Preact): a real <table>
 * with a caption and column headers, so screen readers and the keyboard get a table.
 * A row that opens something renders its first cell as a link (`rowHref`).
 */
export function DataTable<T>(props: {
  caption: string;
  data: T[];
  columns: ColumnDef<T, unknown>[];
  rowId: (row: T) => string;
  columnVisibility?: VisibilityState;
  empty?: string;
  /** A row's class (e.g. a conflict or an overdue lead). */
  rowClass?: (row: Row<T>) => string | undefined;
}) {
  const table = useReactTable({
    data: props.data,
    columns: props.columns,
    getCoreRowModel: getCoreRowModel(),
    getRowId: props.rowId,
    state: { columnVisibility: props.columnVisibility ?? {} },
  });
  const visible = table.getVisibleLeafColumns().length;
  return (
    // A table wider than a phone scrolls sideways: focusable, so a keyboard can scroll it too.
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus (WCAG 2.1.1)
    <section class="table-wrap" aria-label={props.caption} tabIndex={0}>
      <table class="grid">
        <caption class="sr-only">{props.caption}</caption>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => (
                <th key={header.id} scope="col">
                  {header.isPlaceholder
                    ? null
                    : flexRender(header.column.columnDef.header, header.getContext())}
                </th>
              ))}
            </tr>
          ))}
        </thead>
        <tbody>
          {table.getRowModel().rows.length === 0 ? (
            <tr>
              <td colSpan={visible} class="empty">
                {props.empty ?? 'Nothing here yet.'}
              </td>
            </tr>
          ) : (
            table.getRowModel().rows.map((row) => (
              <tr key={row.id} class={props.rowClass?.(row)}>
                {row.getVisibleCells().map((cell) => (
                  <td key={cell.id}>{flexRender(cell.column.columnDef.cell, cell.getContext())}</td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </section>
  );
}
