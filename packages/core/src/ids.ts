import { monotonicFactory } from 'ulid';

const next = monotonicFactory();

/** A new opaque id: a ULID, so ids sort by creation time. */
export function newId(now: number = Date.now()): string {
  return next(now);
}
