import type { Column, LeadFilter } from '../leads/query';

/** Where an export stands: `running` until the file is written (`done`) or given up on (`failed`). */
export type ExportStatus = 'running' | 'done' | 'failed';

/**
 * A large export: the view it was asked for (filter and columns, fixed when it was
 * asked for) and where its file goes. The export function reads this record, not
 * its event, so a retried invocation writes the same view to the same object.
 */
export interface LeadExport {
  id: string;
  supplierId: string;
  /** Who asked: `supplier`, or `partner:<partnerId>`; only they may read it. */
  requestedBy: string;
  filter: LeadFilter;
  columns: Column[];
  status: ExportStatus;
  /** The object key: `exports/<supplierId>/<id>.csv`. */
  key: string;
  /** The name a download saves as (`leads-<date>.csv`). */
  fileName: string;
  /** Runs started (the export function claims the record for each). */
  attempts: number;
  /** Once done: data rows (the header not counted) and the file's size. */
  rows?: number;
  bytes?: number;
  /** Once failed: why, in words for the person who asked. */
  failure?: string;
  /**
   * A run that has not finished by then never will (the function's timeout passed, or
   * its invocation never started): the export reads as failed from then on.
   */
  staleAfter: string;
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
  version: number;
}

/** What the end of a run records. */
export type ExportOutcome =
  | { status: 'done'; rows: number; bytes: number }
  | { status: 'failed'; failure: string };

/**
 * Export records. Every change is conditional on the status (`running`) and the
 * version read, so a run that lost the record to a newer one records nothing.
 */
export interface ExportStore {
  /** Stores a new export; `exists` (nothing written) when its id is taken. */
  createExport(exp: LeadExport): Promise<'created' | 'exists'>;
  getExport(supplierId: string, exportId: string): Promise<LeadExport | undefined>;
  /**
   * A run starts: `running` at `version` → one more attempt, the new `staleAfter`,
   * version + 1. Answers the export after the change, or undefined when it changed meanwhile.
   */
  claimExport(
    supplierId: string,
    exportId: string,
    version: number,
    claim: { now: string; staleAfter: string },
  ): Promise<LeadExport | undefined>;
  /** `running` at `version` → `done` or `failed`; undefined when it changed meanwhile. */
  finishExport(
    supplierId: string,
    exportId: string,
    version: number,
    outcome: ExportOutcome,
    now: string,
  ): Promise<LeadExport | undefined>;
}

/** What a download is saved as. */
export interface ExportFile {
  fileName: string;
}

/**
 * The export files (S3 in AWS, the S3 emulator locally): written from a stream of
 * text with bounded memory, read through a presigned URL.
 */
export interface ExportFiles {
  /** Writes the object from the chunks (UTF-8), replacing any earlier one; answers its size. */
  write(key: string, chunks: AsyncIterable<string>, file: ExportFile): Promise<{ bytes: number }>;
  /** A GET URL for the object that works for `expiresInSeconds`. */
  downloadUrl(key: string, file: ExportFile, expiresInSeconds: number): Promise<string>;
}

/** The event the export function takes: which export to write. */
export interface RunExportEvent {
  kind: 'export';
  supplierId: string;
  exportId: string;
}
