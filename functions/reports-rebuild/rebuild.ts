import { type LeadStore, type RebuildProgress, type ReportStore, Reports } from '@leadrelay/core';
import { z } from 'zod';

/** What the reports-rebuild function (and `npm run reports:rebuild`) is given. */
export const RebuildEvent = z.strictObject({
  supplierId: z.string().min(1),
  /** To go on with a run that paused: its answer's generation and cursor. */
  generation: z.int().min(1).optional(),
  cursor: z.string().min(1).optional(),
});
export type RebuildEvent = z.output<typeof RebuildEvent>;

/** How long a rebuild waits for the lead index to catch up after announcing its generation. */
export const SETTLE_MS = 2_000;

/**
 * One rebuild run: a new generation (or the paused one the event names) filled from the
 * supplier's leads, made current at the end. The same code behind the CLI and the Lambda.
 */
export async function runRebuild(
  deps: { reports: ReportStore; leads: Pick<LeadStore, 'listLeads' | 'getLeads'> },
  input: unknown,
  options: { settleMs?: number; pause?: () => boolean; onPage?: (leads: number) => void } = {},
): Promise<RebuildProgress> {
  const event = RebuildEvent.parse(input);
  if ((event.generation === undefined) !== (event.cursor === undefined)) {
    throw new Error('give both generation and cursor (from a paused run), or neither');
  }
  const settleMs = options.settleMs ?? SETTLE_MS;
  return Reports.rebuildReports(deps, event.supplierId, {
    settle: () => new Promise((resolve) => setTimeout(resolve, settleMs)),
    ...(options.pause ? { pause: options.pause } : {}),
    ...(options.onPage ? { onPage: options.onPage } : {}),
    ...(event.generation !== undefined && event.cursor !== undefined
      ? { resume: { generation: event.generation, cursor: event.cursor } }
      : {}),
  });
}
