import { useEffect } from 'preact/hooks';
import type { Schemas } from '../../api/client';

export type UploadView = Schemas['UploadView'];
export type UploadStatus = UploadView['status'];

const STATUS: Record<UploadStatus, { words: string; badge: string }> = {
  'awaiting-file': { words: 'Waiting for the file', badge: 'badge' },
  received: { words: 'Received', badge: 'badge badge-info' },
  processing: { words: 'Processing', badge: 'badge badge-info' },
  done: { words: 'Done', badge: 'badge badge-ok' },
  failed: { words: 'Failed', badge: 'badge badge-bad' },
};

/** Done and failed are final: nothing more changes, polling stops. */
export const isFinal = (status: UploadStatus): boolean => status === 'done' || status === 'failed';

/** Still moving on its own (a file is in, being read): worth polling. */
export const isMoving = (status: UploadStatus): boolean => status === 'received' || status === 'processing';

/** The status in words (never colour alone). */
export function StatusBadge({ status }: { status: UploadStatus }) {
  const s = STATUS[status];
  return <span class={s.badge}>{s.words}</span>;
}

export function originWords(origin: UploadView['origin']): string {
  return origin === 'drop' ? 'Dropped into the inbox' : 'Uploaded here or by the API';
}

export function routingWords(routing: UploadView['routing'], partnerName?: string): string {
  if (routing.mode === 'partner') return `Every row to ${partnerName ?? routing.partnerId ?? 'one partner'}`;
  if (routing.mode === 'column')
    return routing.column
      ? `The partner named in column “${routing.column}”, else the routing rules`
      : 'The partner named in each row, else the routing rules';
  return 'Account ownership, then the routing rules';
}

export function mappingSourceWords(source: NonNullable<UploadView['mappingApplied']>['source']): string {
  if (source === 'upload') return 'The mapping given with this upload';
  if (source === 'remembered') return 'A mapping remembered from an earlier file with the same header row';
  return 'Automatic: headers matched by name';
}

/** The counts as a description list (total, created, updated, rejected). */
export function RowCounts({ rows }: { rows: UploadView['rows'] }) {
  return (
    <dl class="fields counts">
      <dt>Rows read</dt>
      <dd data-count="total">{rows.total}</dd>
      <dt>Created</dt>
      <dd data-count="created">{rows.created}</dd>
      <dt>Updated</dt>
      <dd data-count="updated">{rows.updated}</dd>
      <dt>Rejected</dt>
      <dd data-count="rejected">{rows.rejected}</dd>
    </dl>
  );
}

/** How long to wait between two looks at a moving upload. */
export const POLL_MS = 1000;

/**
 * Calls `again` POLL_MS after each answer while `active`: `answer` is the latest answer
 * (a new one re-arms the timer), so a slow API is never asked twice at once.
 */
export function usePoll(active: boolean, again: () => void, answer: unknown, ms = POLL_MS): void {
  useEffect(() => {
    if (!active) return;
    const timer = setTimeout(again, ms);
    return () => clearTimeout(timer);
  }, [active, again, answer, ms]);
}
