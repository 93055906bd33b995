import { z } from 'zod';

/** A page of a list: `nextCursor` is opaque and null on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1, 'must be at least 1').max(500, 'must be at most 500').default(50),
  cursor: z.string().min(1).max(2048).optional(),
});
export type PageQuery = z.output<typeof PageQuery>;
