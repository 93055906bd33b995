/**
 * The HTTP response headers of the console's files, in one place for both of its hosts:
 * CloudFront's response headers policy in AWS (infra/constructs/console.ts) and the local
 * API server. Both send the same Content-Security-Policy, built from the origins the
 * console talks to besides its own: the Cognito user pool API it signs in through, and the
 * inbox bucket it PUTs lead files to (presigned URLs). Everything else is `'self'`: the
 * API is the console's own origin.
 */

/** The origins, other than the console's own, that the console's scripts may connect to. */
export interface CspSources {
  /** The Cognito user pool API (sign-in, new password, reset): `https://cognito-idp.<region>.amazonaws.com` in AWS. */
  readonly cognito: readonly string[];
  /** The hosts of the presigned upload URLs: `https://<inbox bucket regional domain>` in AWS. */
  readonly uploads: readonly string[];
}

/**
 * A source of the list: an origin such as `https://cognito-idp.eu-west-1.amazonaws.com` or
 * `http://localhost:4566`, or a CDK token standing for one. Never a keyword, a wildcard or
 * anything that would end the directive.
 */
const SOURCE = /^(?:https?:\/\/)?[^\s;,'"*]+$/;

/** The Content-Security-Policy of the console: scripts and styles of its own origin only, no plugins, no framing. */
export function consoleCsp(sources: CspSources): string {
  const connect = ["'self'", ...checked('cognito', sources.cognito), ...checked('uploads', sources.uploads)];
  const directives: [string, ...string[]][] = [
    ['default-src', "'self'"],
    ['script-src', "'self'"],
    ['style-src', "'self'"],
    ['img-src', "'self'", 'data:'],
    ['font-src', "'self'"],
    ['connect-src', ...new Set(connect)],
    ['object-src', "'none'"],
    ['base-uri', "'self'"],
    ['form-action', "'self'"],
    ['frame-ancestors', "'none'"],
  ];
  return directives.map((directive) => directive.join(' ')).join('; ');
}

function checked(name: keyof CspSources, list: readonly string[]): readonly string[] {
  for (const source of list) {
    if (!SOURCE.test(source)) {
      throw new Error(`consoleCsp: ${name} source ${JSON.stringify(source)} is not an origin`);
    }
  }
  return list;
}

/** HSTS: two years, subdomains included. Browsers ignore it on plain-HTTP localhost. */
export const HSTS_MAX_AGE_SECONDS = 2 * 365 * 24 * 60 * 60;

/** The console's other security headers (names in lower case, as HTTP/2 sends them). */
export const securityHeaders = {
  'strict-transport-security': `max-age=${HSTS_MAX_AGE_SECONDS}; includeSubDomains`,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
} as const satisfies Record<string, string>;

/** Every header a host sends with the console's files: the CSP of `sources` and `securityHeaders`. */
export function consoleHeaders(sources: CspSources): Record<string, string> {
  return { 'content-security-policy': consoleCsp(sources), ...securityHeaders };
}
