export * from './ingest';
export * from './lead-files';
export * from './ports';
export * from './row-errors';
export * from './schemas';
export * as Uploads from './uploads';
export {
  DEFAULT_ERRORS_LIMIT,
  droppedUpload,
  MAX_ERRORS_LIMIT,
  NO_ROWS,
  SWEEP_UPLOADS_LIMIT,
  sameObject,
  sweepStalledUploads,
  UPLOAD_URL_TTL_SECONDS,
  type UploadDeps,
  uploadIdOfKey,
  uploadKey,
  uploadView,
  versionUpload,
} from './uploads';
