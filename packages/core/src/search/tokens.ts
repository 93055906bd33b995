import type { Lead } from '../leads/lead';

/**
 * Keyword search, the text side: how a lead's text becomes words and how a query's
 * keywords match them. One normalisation for both, so `jose` finds `José` and
 * `MULLER` finds `Müller`: Unicode NFKD, combining marks dropped, lower case; words
 * are runs of letters and digits.
 *
 * A keyword matches a lead when it is a prefix of one of the lead's words (a whole
 * word is its own prefix); all of a query's keywords must match (AND).
 */

/** The lead fields searched: email, names, company, phone, title, city, country, and custom-field values. */
export const SEARCHED_FIELDS = [
  'email',
  'firstName',
  'lastName',
  'company',
  'phone',
  'mobilePhone',
  'title',
  'city',
  'country',
] as const;

/** Lower case, accents and other marks removed (NFKD), so comparisons ignore both. */
export function foldText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
}

/** The words of a text, folded, in order, repeats kept. */
export function words(text: string): string[] {
  return foldText(text).match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** The distinct words of a lead's searched fields and custom-field values. */
export function leadWords(lead: Pick<Lead, 'customFields'> & Partial<Record<string, unknown>>): Set<string> {
  const found = new Set<string>();
  const add = (value: unknown) => {
    if (typeof value === 'string' || typeof value === 'number')
      for (const w of words(String(value))) found.add(w);
  };
  for (const field of SEARCHED_FIELDS) add(lead[field]);
  for (const value of Object.values(lead.customFields ?? {})) add(value);
  return found;
}

/** A query's keywords, folded and deduplicated (a keyword that is a prefix of another adds nothing). */
export function queryKeywords(q: string): string[] {
  const distinct = [...new Set(words(q))];
  return distinct.filter((k) => !distinct.some((other) => other !== k && other.startsWith(k)));
}

/** Whether every keyword is a prefix of one of the lead's words (no keywords: true). */
export function matchesKeywords(lead: Parameters<typeof leadWords>[0], keywords: readonly string[]): boolean {
  if (keywords.length === 0) return true;
  const own = [...leadWords(lead)];
  return keywords.every((k) => own.some((w) => w.startsWith(k)));
}
