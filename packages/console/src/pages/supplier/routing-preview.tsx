import { useMemo, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import type { Schemas } from '../../api/client';
import { type ColumnDef, DataTable } from '../../ui/table';
import { STRATEGIES } from './routing-draft';

type Item = Schemas['RoutingPreviewItem'];

/** What decided, in words: the rule group (and strategy), the account owner, or nothing. */
export function decidedBy(d: Item['wouldGo']): string {
  switch (d.path) {
    case 'rule': {
      const group = `Group ${(d.groupIndex ?? 0) + 1} “${d.group ?? ''}”`;
      return d.strategy ? `${group}, ${STRATEGIES[d.strategy].label.toLowerCase()}` : group;
    }
    case 'ownership':
      return d.via === 'company' ? 'Account owner (company)' : 'Account owner (email domain)';
    case 'explicit':
      return 'Named partner';
    case 'error':
      return 'Refused';
    default:
      return 'No group matched';
  }
}

const SKIP_WORDS: Record<Item['wouldGo']['skipped'][number]['reason'], string> = {
  paused: 'paused',
  'at capacity': 'at capacity',
  excluded: 'already had it',
  disabled: 'disabled',
};

const columns: ColumnDef<Item, unknown>[] = [
  {
    id: 'lead',
    header: 'Lead',
    cell: ({ row }) => <Link href={`/leads/${row.original.leadId}`}>{row.original.displayEmail}</Link>,
  },
  {
    id: 'now',
    header: 'Now',
    cell: ({ row }) => (
      <>
        {row.original.current.partnerName ?? 'Unassigned'}{' '}
        <span class="muted">({row.original.current.distributionStatus})</span>
      </>
    ),
  },
  { id: 'decided', header: 'Matched', cell: ({ row }) => decidedBy(row.original.wouldGo) },
  {
    id: 'would',
    header: 'Would go to',
    cell: ({ row }) => {
      const { wouldGo, current } = row.original;
      return (
        <>
          {wouldGo.partnerName ?? 'Unassigned'}
          {wouldGo.partnerId !== current.partnerId ? (
            <>
              {' '}
              <span class="badge badge-info">different</span>
            </>
          ) : null}
        </>
      );
    },
  },
  {
    id: 'why',
    header: 'Why',
    cell: ({ row }) => {
      const { explanation, skipped, warning } = row.original.wouldGo;
      return (
        <span class="why">
          {explanation}
          {skipped.length > 0
            ? ` Skipped: ${skipped.map((s) => `${s.partnerName} (${SKIP_WORDS[s.reason]})`).join(', ')}.`
            : ''}
          {warning ? ` ${warning}` : ''}
        </span>
      );
    },
  },
];

/**
 * The preview's answer: how many leads each partner would get, then lead by lead which group
 * matched, where it would go and why — beside where it is now (a preview changes nothing).
 */
export function PreviewResult({ result, stale }: { result: Schemas['RoutingPreview']; stale: boolean }) {
  const [onlyChanges, setOnlyChanges] = useState(false);
  const rows = useMemo(
    () =>
      onlyChanges ? result.items.filter((i) => i.wouldGo.partnerId !== i.current.partnerId) : result.items,
    [result, onlyChanges],
  );
  const totals = Object.entries(result.totals).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return (
    <section class="preview" aria-labelledby="preview-heading">
      <h2 id="preview-heading">Preview on the {result.items.length} most recent leads</h2>
      {stale ? (
        <p class="note note-warn">The draft changed since this preview: preview again to see the effect.</p>
      ) : null}
      <div class="table-wrap preview-totals">
        <table class="grid">
          <caption class="sr-only">Leads each partner would get</caption>
          <thead>
            <tr>
              <th scope="col">Would go to</th>
              <th scope="col" class="num">
                Leads
              </th>
            </tr>
          </thead>
          <tbody>
            {totals.map(([name, n]) => (
              <tr key={name}>
                <td>{name}</td>
                <td class="num">{n}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <label class="check">
        <input
          type="checkbox"
          checked={onlyChanges}
          onChange={(e) => setOnlyChanges(e.currentTarget.checked)}
        />
        Only leads that would go to a different partner than now
      </label>
      <DataTable
        caption="Where each lead would go"
        data={rows}
        columns={columns}
        rowId={(i) => i.leadId}
        empty={onlyChanges ? 'No lead would go elsewhere.' : 'No leads yet to try the rules on.'}
      />
    </section>
  );
}
