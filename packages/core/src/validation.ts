import type { z } from 'zod';
import { type ErrorDetail, ValidationError } from './errors';

/** Turns zod issues into the API's `details`: one entry per problem, naming the field. */
export function issuesToDetails(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[] = [],
): ErrorDetail[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path].map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...path, key].join('.'), message: 'unknown field' }));
    }
    return [{ path: path.join('.'), message: issue.message }];
  });
}

/** Parses `input` with `schema`, throwing a ValidationError that names every bad field. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what = 'request body',
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const details = issuesToDetails(result.error.issues);
  const first = details[0];
  const summary = first ? `${first.path || what}: ${first.message}` : 'invalid input';
  throw new ValidationError(`Invalid ${what}: ${summary}`, details);
}
