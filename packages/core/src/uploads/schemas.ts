import { z } from 'zod';
import { CustomFieldName, LEAD_TEXT_FIELDS, type LeadTextField } from '../leads/lead';

/**
 * Lead files and their reports: an upload is one file's way through intake, from
 * the presigned URL (or the drop into the inbox) to its counts and row errors.
 */

const Timestamp = z.iso.datetime();

/** Most bytes a lead file may have (1 GiB): a bigger file fails `too_large` before a byte is read. */
export const MAX_UPLOAD_BYTES = 1024 ** 3;

/** How the rows of a file are routed. */
export const UploadRoutingMode = z.enum(['rules', 'column', 'partner']);
export type UploadRoutingMode = z.output<typeof UploadRoutingMode>;

export const UploadRouting = z
  .strictObject({
    mode: UploadRoutingMode.describe(
      '`rules`: account ownership, then the routing rules (a partner column is ignored); ' +
        '`column`: the partner named in each row (id or exact name), else the rules; ' +
        '`partner`: every row to `partnerId`.',
    ),
    partnerId: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(200)
      .optional()
      .describe('Mode `partner` only: the partner (id or exact name) every lead goes to.'),
    column: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(255)
      .optional()
      .describe(
        'Mode `column` only: the header of the column naming the partner, when it is not one of ' +
          'Partner, Partner Name, Partner ID, Assigned Partner.',
      ),
  })
  .superRefine((routing, ctx) => {
    if (routing.mode === 'partner' && routing.partnerId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['partnerId'], message: 'mode partner needs a partnerId' });
    }
    if (routing.mode !== 'partner' && routing.partnerId !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['partnerId'], message: 'only mode partner takes a partnerId' });
    }
    if (routing.mode !== 'column' && routing.column !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['column'], message: 'only mode column takes a column' });
    }
  })
  .meta({ id: 'UploadRouting' });
export type UploadRouting = z.output<typeof UploadRouting>;

/**
 * `awaiting-file`: created by the API, the presigned PUT has not arrived yet;
 * `received`: a file dropped into the inbox, not started; `processing`: being read
 * (maybe across several invocations); `done` and `failed` are final.
 */
export const UploadStatus = z.enum(['awaiting-file', 'received', 'processing', 'done', 'failed']);
export type UploadStatus = z.output<typeof UploadStatus>;

export const UploadRows = z
  .object({
    total: z.int().describe('Data rows read so far (blank rows are skipped, not counted).'),
    created: z.int(),
    updated: z.int().describe('Rows whose email was known already (in the table, or earlier in the file).'),
    rejected: z.int().describe('Rows with errors: see `errors`.'),
  })
  .meta({ id: 'UploadRows' });
export type UploadRows = z.output<typeof UploadRows>;

export const UploadFailure = z
  .object({
    code: z
      .string()
      .describe(
        'empty, no_header, too_large, unsupported_format, unreadable (the file as a whole); ' +
          '`replaced` or `deleted` (the file changed in the bucket before it was read: a newer file ' +
          'under the same key is an upload of its own); `retries_exhausted` (reading failed at the ' +
          'same row run after run; the rows before it are kept).',
      ),
    message: z.string(),
  })
  .meta({ id: 'UploadFailure' });
export type UploadFailure = z.output<typeof UploadFailure>;

/**
 * What a column of a lead file can be mapped to: a lead field (`score`, `partner` and
 * `fullName` included: a full name is split into first and last), `custom.<name>`, or
 * `ignore`.
 */
export type MappingTarget =
  | { kind: 'field'; field: LeadTextField | 'score' }
  | { kind: 'partner' }
  | { kind: 'fullName' }
  | { kind: 'custom'; name: string }
  | { kind: 'ignore' };

/** The fields a mapping may name, as written in a mapping (`email`, `firstName`, ...). */
export const MAPPING_FIELDS = [...LEAD_TEXT_FIELDS, 'score', 'partner', 'fullName'] as const;
const MAPPING_FIELD_BY_LOWER = new Map<string, (typeof MAPPING_FIELDS)[number]>(
  MAPPING_FIELDS.map((f) => [f.toLowerCase(), f]),
);
const CUSTOM_PREFIX = 'custom.';

/** A mapping target as written (`email`, `custom.Budget`, `ignore`) to what it means; undefined when it names nothing. */
export function parseMappingTarget(target: string): MappingTarget | undefined {
  const written = target.trim();
  if (written.toLowerCase() === 'ignore') return { kind: 'ignore' };
  if (written.toLowerCase().startsWith(CUSTOM_PREFIX)) {
    const name = written.slice(CUSTOM_PREFIX.length).trim();
    return CustomFieldName.safeParse(name).success ? { kind: 'custom', name } : undefined;
  }
  const field = MAPPING_FIELD_BY_LOWER.get(written.toLowerCase());
  if (field === undefined) return undefined;
  if (field === 'partner') return { kind: 'partner' };
  if (field === 'fullName') return { kind: 'fullName' };
  return { kind: 'field', field };
}

/** Most columns one mapping may name. */
export const MAX_MAPPING_COLUMNS = 500;

/**
 * An explicit column mapping: header as written in row 1 (matched without regard to
 * case and surrounding spaces) -> target. An unknown target is refused naming the header.
 */
export const UploadMapping = z
  .record(z.string().trim().min(1, 'a header must not be empty').max(255), z.string().max(80))
  .superRefine((mapping, ctx) => {
    const entries = Object.entries(mapping);
    if (entries.length > MAX_MAPPING_COLUMNS) {
      ctx.addIssue({ code: 'custom', message: `must map at most ${MAX_MAPPING_COLUMNS} columns` });
    }
    for (const [header, target] of entries) {
      if (parseMappingTarget(target) !== undefined) continue;
      const custom = target.trim().toLowerCase().startsWith(CUSTOM_PREFIX);
      ctx.addIssue({
        code: 'custom',
        path: [header],
        message: custom
          ? `column "${header}": "${target}" is not a valid custom field name (custom.<name>: a letter first, then letters, digits, space, _ . -, at most 64)`
          : `column "${header}": unknown field "${target}"; use one of ${MAPPING_FIELDS.join(', ')}, custom.<name> or ignore`,
      });
    }
  })
  .describe(
    'Header (as in row 1, case-insensitive) -> lead field (`email`, `firstName`, ..., `score`, `partner`, `fullName`), ' +
      '`custom.<name>`, or `ignore`. Remembered for the supplier: a later file with the same header row uses it.',
  )
  .meta({ id: 'UploadMapping' });
export type UploadMapping = z.output<typeof UploadMapping>;

/** Which column mapping an upload was read with. */
export const UploadMappingApplied = z
  .object({
    source: z
      .enum(['automatic', 'upload', 'remembered'])
      .describe(
        '`automatic`: headers matched by name only; `upload`: the mapping given with this upload; ' +
          '`remembered`: a mapping given earlier with a file of the same header row.',
      ),
    headerHash: z
      .string()
      .describe('A stable hash of the normalised header row: the key of a remembered mapping.'),
    learntFrom: z.string().optional().describe('`remembered`: the upload whose mapping it is.'),
    unused: z
      .array(z.string())
      .optional()
      .describe('`upload`: headers of the mapping that row 1 does not have (a typo, or another file).'),
  })
  .meta({ id: 'UploadMappingApplied' });
export type UploadMappingApplied = z.output<typeof UploadMappingApplied>;

/** Something the supplier should know about the read that is not a row error (a skipped report footer). */
export const UploadNote = z
  .object({ row: z.int().optional(), message: z.string() })
  .meta({ id: 'UploadNote' });
export type UploadNote = z.output<typeof UploadNote>;

/** A mapping kept for a supplier, keyed by the header row it was given for. */
export interface RememberedMapping {
  supplierId: string;
  headerHash: string;
  /** The header row as written, for a person reading the item. */
  headers: string[];
  mapping: UploadMapping;
  /** The upload that gave it, and when that upload was created (the newer upload's mapping wins). */
  uploadId: string;
  learntAt: string;
}

/** The S3 object an upload reads: size, and the version (or ETag) so a resumed read sees the same bytes. */
export const UploadObject = z.object({
  size: z.int().min(0),
  eTag: z.string().optional(),
  versionId: z.string().optional(),
  /** The S3 event's sequencer: tells two PUTs of the same bytes apart where the bucket keeps no versions. */
  sequencer: z.string().optional(),
});
export type UploadObject = z.output<typeof UploadObject>;

export const Upload = z
  .object({
    id: z.string(),
    supplierId: z.string(),
    key: z.string().describe('The object key in the inbox bucket: inbox/<supplierId>/...'),
    fileName: z.string(),
    origin: z
      .enum(['api', 'drop'])
      .describe('`api`: POST /v1/uploads; `drop`: a file put straight into the inbox.'),
    routing: UploadRouting,
    status: UploadStatus,
    failure: UploadFailure.optional(),
    rows: UploadRows,
    object: UploadObject.optional(),
    mapping: UploadMapping.optional().describe('The column mapping given with POST /v1/uploads.'),
    mappingApplied: UploadMappingApplied.optional().describe('Set once row 1 is read.'),
    notes: z.array(UploadNote).optional(),
    /** Where the read stands (the file reader's checkpoint); internal, opaque to the domain. */
    checkpoint: z.record(z.string(), z.unknown()).optional(),
    /** While processing: until when the current run owns the upload. */
    leaseUntil: Timestamp.optional(),
    /** Runs since the upload last saved progress, the one that saved it included (runs that keep failing end it). */
    attempts: z.int().optional(),
    /** Why the last run that failed stopped (for the failure reason when the runs give up). */
    lastError: z.string().optional(),
    versionOf: z
      .string()
      .optional()
      .describe(
        'This file was PUT to the upload URL of upload `versionOf`, which had received another file ' +
          'already: each file (each object version) is an upload of its own.',
      ),
    otherVersions: z
      .array(z.string())
      .optional()
      .describe('Uploads of the other files PUT to this upload URL (see `versionOf`).'),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    finishedAt: Timestamp.optional(),
    version: z.int(),
  })
  .meta({ id: 'Upload' });
export type Upload = z.output<typeof Upload>;

/** One problem of one row, as the report lists it: the spreadsheet row (header = 1), the column's header as written. */
export const UploadRowError = z
  .object({
    row: z.int(),
    column: z.string().optional(),
    message: z.string(),
  })
  .meta({ id: 'UploadRowError' });
export type UploadRowError = z.output<typeof UploadRowError>;

/** Every problem of one row, as stored: one item per rejected row. */
export interface UploadRowErrors {
  row: number;
  errors: { column?: string; message: string }[];
}

const FileName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  .refine((name) => sanitiseFileName(name) !== '', 'must contain a letter or digit');

export const CreateUpload = z
  .strictObject({
    fileName: FileName.describe('The name of the file (.csv or .xlsx); it ends the object key.'),
    routing: UploadRouting.optional().describe('Default: mode `rules`.'),
    mapping: UploadMapping.optional(),
  })
  .meta({ id: 'CreateUpload' });
export type CreateUpload = z.output<typeof CreateUpload>;

/** What ingest sends itself to continue a file in a new invocation. */
export const ResumeUpload = z.object({
  kind: z.literal('resume'),
  supplierId: z.string().min(1),
  uploadId: z.string().min(1),
});
export type ResumeUpload = z.output<typeof ResumeUpload>;

/**
 * A file name safe as the last segment of an object key: the base name only,
 * letters, digits, `.`, `_` and `-` (anything else becomes `-`), at most 120
 * characters keeping the extension. Empty when nothing usable is left.
 */
export function sanitiseFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/-?\.-?/g, '.')
    .replace(/^[-.]+|[-.]+$/g, '');
  if (!/[A-Za-z0-9]/.test(cleaned)) return '';
  if (cleaned.length <= 120) return cleaned;
  const dot = cleaned.lastIndexOf('.');
  const ext = dot > 0 && cleaned.length - dot <= 10 ? cleaned.slice(dot) : '';
  return cleaned.slice(0, 120 - ext.length) + ext;
}
