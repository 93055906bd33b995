import { z } from 'zod';

/**
 * An email address as the API takes it. A leaf module (it imports only zod) so
 * leads, routing, registration rules and tenants can all use it without an
 * import cycle; tenants/schemas re-exports it.
 */

/** Trimmed and lower-cased before the format check, so " Ann@Example.COM " is ann@example.com. */
export const EmailAddress = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, 'must be at most 254 characters')
  .check(z.email('must be a valid email address'));
