import {
  drivingKeyword,
  foldText,
  keywordAccess,
  leadGrams,
  leadWords,
  matchesKeywords,
  phoneDigitWords,
  queryKeywords,
  wordGrams,
  words,
} from '@leadrelay/core';
import { describe, expect, it } from 'vitest';
import { testLead } from '../support/leads';

describe('foldText and words', () => {
  it('ignores accents and case: José is jose, Müller is MULLER, Ångström is angstrom', () => {
    expect(words('José')).toEqual(['jose']);
    expect(words('Müller')).toEqual(words('MULLER'));
    expect(words('Ångström Čapek Łódź')).toEqual(['angstrom', 'capek', 'lodz']);
    expect(foldText('Ñandú')).toBe('nandu');
  });

  it('spells out the letters NFKD leaves whole: ß as ss, Ø as o, Æ as ae, Œ as oe', () => {
    expect(words('Straße')).toEqual(words('STRASSE'));
    expect(words('Søren Ødegaard')).toEqual(['soren', 'odegaard']);
    expect(words('Æsir Œuvre')).toEqual(['aesir', 'oeuvre']);
    expect(words('Þór')).toEqual(['thor']);
  });

  it('splits ligatures and full-width letters (NFKD)', () => {
    expect(words('ﬁnance ﬂow')).toEqual(['finance', 'flow']);
    expect(words('ＡＣＭＥ')).toEqual(['acme']);
  });

  it('splits emails and punctuation into words', () => {
    expect(words('Ada.Lovelace+crm@Analytical-Engines.co.uk')).toEqual([
      'ada',
      'lovelace',
      'crm',
      'analytical',
      'engines',
      'co',
      'uk',
    ]);
  });

  it('joins a phone number’s digits: the whole number, and without its first groups while 7 digits remain', () => {
    expect(phoneDigitWords('+1 (555) 000-0123')).toEqual(['15550000123', '5550000123', '0000123']);
    expect(phoneDigitWords('0123')).toEqual([]);
    expect(phoneDigitWords('+49 30 1234567')).toEqual(['49301234567', '301234567']);
  });
});

describe('leadWords and matchesKeywords', () => {
  const lead = testLead({
    email: 'jose.mueller@acme.example',
    firstName: 'José',
    lastName: 'Müller',
    company: 'Grüße GmbH',
    phone: '+1 555 000 0123',
    title: 'IT Director',
    city: 'Zürich',
    country: 'Switzerland',
    // Not searched: state, product, campaign.
    state: 'Zurich Canton',
    product: 'Edge Router',
    customFields: { region: 'EMEA', budget: 250000, vip: true, note: null },
  });

  it('holds the words of the searched fields, custom values (text and numbers) and phone digits', () => {
    const own = leadWords(lead);
    for (const w of ['jose', 'mueller', 'acme', 'example', 'muller', 'grusse', 'gmbh', 'it', 'director']) {
      expect(own).toContain(w);
    }
    for (const w of ['zurich', 'switzerland', 'emea', '250000', '15550000123', '5550000123', '555', '0123']) {
      expect(own).toContain(w);
    }
    expect(own).not.toContain('edge');
    expect(own).not.toContain('canton');
    expect(own).not.toContain('true');
  });

  it('matches prefixes of 3 characters or more, ignoring case and accents, all keywords (AND)', () => {
    expect(matchesKeywords(lead, queryKeywords('jose'))).toBe(true);
    expect(matchesKeywords(lead, queryKeywords('MULLER'))).toBe(true);
    expect(matchesKeywords(lead, queryKeywords('Mül zür'))).toBe(true);
    expect(matchesKeywords(lead, queryKeywords('GRUSSE'))).toBe(true);
    expect(matchesKeywords(lead, queryKeywords('555 000 0123'))).toBe(true);
    expect(matchesKeywords(lead, queryKeywords('5550000'))).toBe(true);
    expect(matchesKeywords(lead, queryKeywords('jose smith'))).toBe(false);
    expect(matchesKeywords(lead, queryKeywords('ller'))).toBe(false);
  });

  it('matches keywords of one or two characters as whole words only', () => {
    expect(matchesKeywords(lead, queryKeywords('it'))).toBe(true);
    expect(matchesKeywords(lead, queryKeywords('di'))).toBe(false);
    expect(matchesKeywords(lead, queryKeywords('ju'))).toBe(false);
    expect(matchesKeywords(testLead({ firstName: 'Jo' }), ['jo'])).toBe(true);
    expect(matchesKeywords(testLead({ firstName: 'Jose' }), ['jo'])).toBe(false);
  });

  it('drops a prefix keyword another keyword extends, never a whole-word one', () => {
    expect(queryKeywords('lov Lovelace')).toEqual(['lovelace']);
    expect(queryKeywords('it item')).toEqual(['it', 'item']);
    expect(queryKeywords('  José,JOSE; ')).toEqual(['jose']);
  });
});

describe('grams', () => {
  it('keeps a short word whole, else its 3- and 6-character prefixes (a word with a digit: 3, 5, 7, 9, 11)', () => {
    expect(wordGrams('it')).toEqual(['it']);
    expect(wordGrams('ada')).toEqual(['ada']);
    expect(wordGrams('turing')).toEqual(['tur', 'turing']);
    expect(wordGrams('lovelace')).toEqual(['lov', 'lovela']);
    expect(wordGrams('lovelace', { letters: [3], digits: [3] })).toEqual(['lov']);
    expect(wordGrams('5550000123')).toEqual(['555', '55500', '5550000', '555000012']);
    expect(wordGrams('company123')).toEqual(['com', 'compa', 'company', 'company12']);
  });

  it('holds each gram once per lead with the lead’s words under it', () => {
    const grams = leadGrams(
      testLead({ email: undefined, firstName: 'Lovelace', lastName: 'Lovell', company: 'IT' }),
    );
    expect(grams.get('lov')).toEqual(['lovelace', 'lovell']);
    expect(grams.get('lovela')).toEqual(['lovelace']);
    expect(grams.get('lovell')).toEqual(['lovell']);
    expect(grams.get('it')).toEqual(['it']);
  });

  it('serves a keyword from its longest gram, with a prefix post-filter when it is longer', () => {
    expect(keywordAccess('it')).toEqual({ keyword: 'it', gram: 'it' });
    expect(keywordAccess('lov')).toEqual({ keyword: 'lov', gram: 'lov' });
    expect(keywordAccess('lovel')).toEqual({ keyword: 'lovel', gram: 'lov', prefix: 'lovel' });
    expect(keywordAccess('lovela')).toEqual({ keyword: 'lovela', gram: 'lovela' });
    expect(keywordAccess('lovelace')).toEqual({ keyword: 'lovelace', gram: 'lovela', prefix: 'lovelace' });
    expect(keywordAccess('5550000123')).toEqual({
      keyword: '5550000123',
      gram: '555000012',
      prefix: '5550000123',
    });
    expect(keywordAccess('companyx12')).toEqual({
      keyword: 'companyx12',
      gram: 'companyx1',
      prefix: 'companyx12',
    });
  });

  it('drives a search by the longest gram, then the longest keyword; whole words of 1-2 characters last', () => {
    expect(drivingKeyword(['it', 'ada', 'lovelace'])?.keyword).toBe('lovelace');
    expect(drivingKeyword(['it', 'ada', 'adam'])?.keyword).toBe('adam');
    expect(drivingKeyword(['it', 'ada'])?.keyword).toBe('ada');
    expect(drivingKeyword(['it'])?.keyword).toBe('it');
    expect(drivingKeyword([])).toBeUndefined();
  });
});
