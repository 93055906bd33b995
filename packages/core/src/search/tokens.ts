import type { Lead } from '../leads/lead';

/**
 * Keyword search, the text side: how a lead's text becomes words and how a query's
 * keywords match them. One normalisation for both, so `jose` finds `José` and
 * `MULLER` finds `Müller`: Unicode NFKD (which also splits ligatures such as `ﬁ`
 * and full-width letters), combining marks dropped, lower case, and the Latin
 * letters NFKD leaves whole spelled out (`ß` → `ss`, `ø` → `o`, `æ` → `ae`, `ł` → `l`
 * …); words are runs of letters and digits. A phone number's digits also count
 * joined (`+1 555 000-0123` is found by `15550000123` and by `5550000123`).
 *
 * A keyword of three characters or more matches a lead when it is a prefix of one
 * of the lead's words (a whole word is its own prefix). A keyword of one or two
 * characters matches only a whole word (`it` finds "IT Director", not "Italy"):
 * the token index keeps no one- or two-character prefixes, since such a
 * partition would hold nearly every lead. All of a query's keywords must match (AND).
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

/** Fields whose digits also count joined, as one word (and from each later digit group on). */
const PHONE_FIELDS: ReadonlySet<string> = new Set(['phone', 'mobilePhone']);

/** A joined phone suffix is a word of its own only when at least this long (a local number). */
const MIN_PHONE_SUFFIX = 7;

/**
 * Keywords shorter than this match whole words only; longer ones match prefixes.
 * It is also the shortest gram the token index keeps.
 */
export const MIN_PREFIX_LENGTH = 3;

/**
 * The prefix lengths the token index keeps for a word at least that long (a shorter
 * word is kept whole): `letters` for a word of letters only, `digits` for a word with
 * a digit (phone numbers, ids, amounts: long runs that share their first digits, so
 * they get longer grams too). A keyword is served by the partition of its longest
 * gram (a keyword with a digit can only match words with one: the `digits` lengths),
 * post-filtered on the words when it is longer than that gram. Chosen by measurement
 * (test/bench/search.ts; keys.ts has the figures).
 */
export interface GramScheme {
  letters: readonly number[];
  digits: readonly number[];
}

export const GRAMS: GramScheme = { letters: [3, 6], digits: [3, 5, 7, 9, 11] };

/** The gram lengths of a word or keyword under a scheme. */
export function gramLengths(word: string, scheme: GramScheme = GRAMS): readonly number[] {
  return /\p{N}/u.test(word) ? scheme.digits : scheme.letters;
}

/** Latin letters NFKD does not decompose, spelled out as a reader without them would type them. */
const SPELLED: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ħ: 'h',
  ı: 'i',
  ŧ: 't',
  ŋ: 'n',
  ĸ: 'k',
  ſ: 's',
  ς: 'σ',
};
const SPELLED_PATTERN = new RegExp(`[${Object.keys(SPELLED).join('')}]`, 'gu');

/** Lower case, accents and other marks removed (NFKD), so comparisons ignore both. */
export function foldText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/\p{M}+/gu, '')
    .replace(SPELLED_PATTERN, (c) => SPELLED[c] ?? c);
}

/** The words of a text, folded, in order, repeats kept. */
export function words(text: string): string[] {
  return foldText(text).match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * A phone number's digit groups joined: the whole number, and from each later group
 * on while at least MIN_PHONE_SUFFIX digits remain (without the country code).
 */
export function phoneDigitWords(text: string): string[] {
  const groups = foldText(text).match(/\p{Nd}+/gu) ?? [];
  if (groups.length < 2) return [];
  const found: string[] = [];
  for (let i = 0; i < groups.length - 1; i++) {
    const joined = groups.slice(i).join('');
    if (i === 0 || joined.length >= MIN_PHONE_SUFFIX) found.push(joined);
  }
  return found;
}

/** The distinct words of a lead's searched fields and custom-field values. */
export function leadWords(lead: Pick<Lead, 'customFields'> & Partial<Record<string, unknown>>): Set<string> {
  const found = new Set<string>();
  const add = (value: unknown, phone = false) => {
    if (typeof value !== 'string' && typeof value !== 'number') return;
    for (const w of words(String(value))) found.add(w);
    if (phone) for (const w of phoneDigitWords(String(value))) found.add(w);
  };
  for (const field of SEARCHED_FIELDS) add(lead[field], PHONE_FIELDS.has(field));
  for (const value of Object.values(lead.customFields ?? {})) add(value);
  return found;
}

/** Whether a keyword matches a word: as a prefix, or (shorter than MIN_PREFIX_LENGTH) the whole word. */
export function keywordMatchesWord(keyword: string, word: string): boolean {
  return isWholeWordKeyword(keyword) ? word === keyword : word.startsWith(keyword);
}

/** A keyword shorter than MIN_PREFIX_LENGTH characters (code points) matches whole words only. */
export function isWholeWordKeyword(keyword: string): boolean {
  return [...keyword].length < MIN_PREFIX_LENGTH;
}

/**
 * A query's keywords, folded and deduplicated: a prefix keyword that is a prefix of
 * another keyword adds nothing (`lov lovelace` is `lovelace`); a whole-word one stays.
 */
export function queryKeywords(q: string): string[] {
  const distinct = [...new Set(words(q))];
  return distinct.filter(
    (k) => isWholeWordKeyword(k) || !distinct.some((other) => other !== k && other.startsWith(k)),
  );
}

/** Whether every keyword matches one of the lead's words (no keywords: true). */
export function matchesKeywords(lead: Parameters<typeof leadWords>[0], keywords: readonly string[]): boolean {
  if (keywords.length === 0) return true;
  const own = [...leadWords(lead)];
  return keywords.every((k) => own.some((w) => keywordMatchesWord(k, w)));
}

// ---------------------------------------------------------------- grams (the token index)

/** The grams a word is kept under: itself when shorter than MIN_PREFIX_LENGTH, else its prefixes of the scheme's lengths. */
export function wordGrams(word: string, scheme: GramScheme = GRAMS): string[] {
  const chars = [...word];
  if (chars.length < MIN_PREFIX_LENGTH) return [word];
  return gramLengths(word, scheme)
    .filter((n) => n <= chars.length)
    .map((n) => chars.slice(0, n).join(''));
}

/**
 * A lead's token set: each gram with the lead's words kept under it, sorted (the
 * words a query longer than the gram is checked against, without the lead).
 */
export function leadGrams(
  lead: Parameters<typeof leadWords>[0],
  scheme: GramScheme = GRAMS,
): Map<string, string[]> {
  const grams = new Map<string, string[]>();
  for (const word of [...leadWords(lead)].sort()) {
    for (const gram of wordGrams(word, scheme)) {
      const list = grams.get(gram);
      if (list) list.push(word);
      else grams.set(gram, [word]);
    }
  }
  return grams;
}

/**
 * How the token index serves one keyword: the partition of `gram` (its longest gram:
 * the keyword itself when shorter than MIN_PREFIX_LENGTH), and, when the keyword is
 * longer than the gram, the prefix its words must have (`prefix`).
 */
export interface KeywordAccess {
  keyword: string;
  gram: string;
  prefix?: string;
}

export function keywordAccess(keyword: string, scheme: GramScheme = GRAMS): KeywordAccess {
  const chars = [...keyword];
  if (chars.length < MIN_PREFIX_LENGTH) return { keyword, gram: keyword };
  const longest = Math.max(...gramLengths(keyword, scheme).filter((n) => n <= chars.length));
  const gram = chars.slice(0, longest).join('');
  return gram === keyword ? { keyword, gram } : { keyword, gram, prefix: keyword };
}

/**
 * The keyword whose partition drives a search, by a heuristic (no counts are kept):
 * the longest gram first (a 6-prefix partition holds fewer leads than a 3-prefix
 * one; a whole word of one or two characters, like `it` or `de`, is often common,
 * so it comes last), then the longest keyword (its post-filter keeps fewer).
 */
export function drivingKeyword(
  keywords: readonly string[],
  scheme: GramScheme = GRAMS,
): KeywordAccess | undefined {
  const rank = (a: KeywordAccess) => {
    const gramLength = [...a.gram].length;
    return (gramLength < MIN_PREFIX_LENGTH ? 0 : gramLength) * 10_000 + [...a.keyword].length;
  };
  return keywords
    .map((k) => keywordAccess(k, scheme))
    .reduce<KeywordAccess | undefined>(
      (best, a) => (best === undefined || rank(a) > rank(best) ? a : best),
      undefined,
    );
}
