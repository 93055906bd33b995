// A whole-file problem is core's: the ingest use case fails the upload with its code.
export { FileError, type FileErrorCode } from '@leadrelay/core';
