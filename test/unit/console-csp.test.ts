import { describe, expect, it } from 'vitest';
import {
  consoleCsp,
  consoleHeaders,
  HSTS_MAX_AGE_SECONDS,
  securityHeaders,
} from '../../packages/console/hosting';

const aws = {
  cognito: ['https://cognito-idp.eu-west-1.amazonaws.com'],
  uploads: ['https://leadrelay-inbox.s3.eu-west-1.amazonaws.com'],
};

/** A CSP as directive -> sources. */
const parse = (csp: string): Record<string, string[]> =>
  Object.fromEntries(
    csp.split('; ').map((directive) => {
      const [name, ...sources] = directive.split(' ');
      return [name as string, sources];
    }),
  );

describe('consoleCsp', () => {
  it("allows the console's own scripts, styles, fonts and images (and data: images), nothing inline", () => {
    expect(parse(consoleCsp(aws))).toEqual({
      'default-src': ["'self'"],
      'script-src': ["'self'"],
      'style-src': ["'self'"],
      'img-src': ["'self'", 'data:'],
      'font-src': ["'self'"],
      'connect-src': [
        "'self'",
        'https://cognito-idp.eu-west-1.amazonaws.com',
        'https://leadrelay-inbox.s3.eu-west-1.amazonaws.com',
      ],
      'object-src': ["'none'"],
      'base-uri': ["'self'"],
      'form-action': ["'self'"],
      'frame-ancestors': ["'none'"],
    });
    expect(consoleCsp(aws)).not.toMatch(/unsafe|\*/);
  });

  it('is one header line: directives joined by "; ", no trailing separator', () => {
    const csp = consoleCsp(aws);
    expect(csp).not.toMatch(/[\r\n]/);
    expect(csp.startsWith("default-src 'self'; ")).toBe(true);
    expect(csp.endsWith("frame-ancestors 'none'")).toBe(true);
  });

  it('takes local origins (the emulators) as well, and lists a source once', () => {
    const local = consoleCsp({
      cognito: ['http://localhost:9229'],
      uploads: ['http://localhost:4566', 'http://localhost:4566'],
    });
    expect(parse(local)['connect-src']).toEqual(["'self'", 'http://localhost:9229', 'http://localhost:4566']);
  });

  it('takes no source at all: the console then connects to its own origin only', () => {
    expect(parse(consoleCsp({ cognito: [], uploads: [] }))['connect-src']).toEqual(["'self'"]);
  });

  it.each([
    ['a wildcard', '*'],
    ['a wildcard host', 'https://*.amazonaws.com'],
    ['a keyword', "'unsafe-inline'"],
    ['a second directive', "https://a.example; script-src 'unsafe-eval'"],
    ['two sources in one', 'https://a.example https://b.example'],
    ['an empty source', ''],
  ])('refuses %s as a source', (_, source) => {
    expect(() => consoleCsp({ cognito: [source], uploads: [] })).toThrow(
      /cognito source .* is not an origin/,
    );
    expect(() => consoleCsp({ cognito: [], uploads: [source] })).toThrow(
      /uploads source .* is not an origin/,
    );
  });
});

describe('securityHeaders and consoleHeaders', () => {
  it('are HSTS (two years, subdomains), nosniff, DENY framing and strict-origin-when-cross-origin', () => {
    expect(HSTS_MAX_AGE_SECONDS).toBe(63_072_000);
    expect(securityHeaders).toEqual({
      'strict-transport-security': 'max-age=63072000; includeSubDomains',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'strict-origin-when-cross-origin',
    });
  });

  it('gives a host every header to send: the CSP of its sources and the others', () => {
    expect(consoleHeaders(aws)).toEqual({ 'content-security-policy': consoleCsp(aws), ...securityHeaders });
  });
});
