/**
 * Domain errors. Each has a stable `code`; the HTTP edge maps codes to statuses
 * in one table (functions/api/http.ts), never by message text.
 */

/** The kinds of domain error, one per class below. */
export type ErrorCode = 'validation_failed' | 'unauthorized' | 'forbidden' | 'not_found' | 'conflict';
export interface ErrorDetail {
  /** Dotted path of the offending field, e.g. `leadOwners.1.email`; empty for the whole input. */
  path: string;
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
  readonly details: ErrorDetail[];
  constructor(message: string, details: ErrorDetail[] = []) {
    super(message);
    this.details = details;
  }
}

export class ValidationError extends DomainError {
  override readonly name = 'ValidationError';
  readonly code = 'validation_failed';
}

export class NotFoundError extends DomainError {
  override readonly name = 'NotFoundError';
  readonly code = 'not_found';
}

export class ConflictError extends DomainError {
  override readonly name = 'ConflictError';
  readonly code = 'conflict';
}

export class UnauthorizedError extends DomainError {
  override readonly name = 'UnauthorizedError';
  readonly code = 'unauthorized';
}

export class ForbiddenError extends DomainError {
  override readonly name = 'ForbiddenError';
  readonly code = 'forbidden';
}
