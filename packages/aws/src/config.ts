import { z } from 'zod';

/**
 * Every environment variable a handler reads, by name. The CDK stack sets them
 * (infra/) and the local cloud sets them (packages/local), each from this list.
 *
 * Endpoints are not configuration here: the AWS SDK v3 honours
 * AWS_ENDPOINT_URL_<SERVICE> (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_S3,
 * AWS_ENDPOINT_URL_SESV2, AWS_ENDPOINT_URL_SCHEDULER), which is how the local
 * cloud points the same handler code at the emulators.
 */
export const EnvName = {
  tableName: 'TABLE_NAME',
  bucketName: 'BUCKET_NAME',
  /** "true" for S3 emulators that only speak path-style URLs. */
  s3ForcePathStyle: 'S3_FORCE_PATH_STYLE',
  sesConfigurationSet: 'SES_CONFIGURATION_SET',
  mailFrom: 'MAIL_FROM',
  scheduleGroup: 'SCHEDULE_GROUP',
  schedulerRoleArn: 'SCHEDULER_ROLE_ARN',
  rerouteFunctionArn: 'REROUTE_FUNCTION_ARN',
  /** The SQS queue every reroute deadline schedule sends what it could not deliver to. */
  deadlineDeadLetterArn: 'DEADLINE_DLQ_ARN',
  /** AWS: the Secrets Manager secret holding the operator API key. */
  operatorKeySecretArn: 'OPERATOR_KEY_SECRET_ARN',
  /** Local only: the operator API key itself (generated into .local). */
  operatorKey: 'OPERATOR_KEY',
  /** AWS: the Secrets Manager secret holding the email link signing keys. */
  linkKeysSecretArn: 'LINK_KEYS_SECRET_ARN',
  /** Local only: the link signing keys themselves (generated into .local), as the secret's JSON. */
  linkKeys: 'LINK_KEYS',
  /** Base URL of the public API, for links in emails. */
  publicUrl: 'PUBLIC_URL',
  /** The ingest function (name or ARN): the upload sweeper sends it the uploads to resume. */
  ingestFunctionName: 'INGEST_FUNCTION_NAME',
  /** The export function (name or ARN): the api starts it on a large export. */
  exportFunctionName: 'EXPORT_FUNCTION_NAME',
  /** Optional: most rows an export answers inline (default 5,000; core DEFAULT_EXPORT_LIMITS). */
  exportInlineMaxRows: 'EXPORT_INLINE_MAX_ROWS',
  /** Optional: most bytes of an inline export's body, JSON-escaped (default 4 MiB). */
  exportInlineMaxBytes: 'EXPORT_INLINE_MAX_BYTES',
  /** The Cognito user pool people sign in to (the console); unset: API keys only. */
  userPoolId: 'USER_POOL_ID',
  /** The console's app client of that pool: the audience of its ID tokens. */
  userPoolClientId: 'USER_POOL_CLIENT_ID',
  /**
   * The tokens' issuer, whose `/.well-known/jwks.json` holds the keys: in AWS
   * `https://cognito-idp.<region>.amazonaws.com/<poolId>`; locally the Cognito emulator's.
   */
  tokenIssuer: 'TOKEN_ISSUER',
  /**
   * "true": webhooks may go to loopback and private addresses (the local cloud, whose
   * receivers run on the same machine). Unset (AWS): public addresses only.
   */
  webhookAllowPrivateTargets: 'WEBHOOK_ALLOW_PRIVATE_TARGETS',
  /** Optional: the first webhook retry's longest wait, in seconds (default 30; doubling, at most an hour). */
  webhookRetryBaseSeconds: 'WEBHOOK_RETRY_BASE_SECONDS',
} as const;

const nonEmpty = z.string().trim().min(1);
/**
 * An on/off setting: exactly `true` or `false` (unset is off), parsed to a boolean
 * here, so no handler compares strings and a typo fails at cold start, naming the variable.
 */
const flag = z.stringbool({ truthy: ['true'], falsy: ['false'], case: 'sensitive' }).default(false);

/** A positive whole number, when set. */
const count = z.coerce.number().int().positive().optional();

const linkKeySettings = {
  LINK_KEYS_SECRET_ARN: nonEmpty.optional(),
  LINK_KEYS: nonEmpty.optional(),
};
const hasLinkKeys = [
  (c: { LINK_KEYS_SECRET_ARN?: string | undefined; LINK_KEYS?: string | undefined }) =>
    c.LINK_KEYS_SECRET_ARN !== undefined || c.LINK_KEYS !== undefined,
  { message: 'set LINK_KEYS_SECRET_ARN (AWS) or LINK_KEYS (local)', path: ['LINK_KEYS_SECRET_ARN'] },
] as [
  (c: { LINK_KEYS_SECRET_ARN?: string | undefined; LINK_KEYS?: string | undefined }) => boolean,
  { message: string; path: string[] },
];

/** What each handler needs; a missing setting fails at cold start, naming the variable. */
export const ConfigSchemas = {
  api: z
    .object({
      TABLE_NAME: nonEmpty,
      BUCKET_NAME: nonEmpty,
      S3_FORCE_PATH_STYLE: flag,
      OPERATOR_KEY_SECRET_ARN: nonEmpty.optional(),
      OPERATOR_KEY: nonEmpty.optional(),
      EXPORT_FUNCTION_NAME: nonEmpty,
      EXPORT_INLINE_MAX_ROWS: count,
      EXPORT_INLINE_MAX_BYTES: count,
      USER_POOL_ID: nonEmpty.optional(),
      USER_POOL_CLIENT_ID: nonEmpty.optional(),
      TOKEN_ISSUER: z.url().optional(),
      WEBHOOK_ALLOW_PRIVATE_TARGETS: flag,
      ...linkKeySettings,
    })
    .refine(...hasLinkKeys)
    .refine(
      (c) =>
        [c.USER_POOL_ID, c.USER_POOL_CLIENT_ID, c.TOKEN_ISSUER].every((v) => v === undefined) ||
        [c.USER_POOL_ID, c.USER_POOL_CLIENT_ID, c.TOKEN_ISSUER].every((v) => v !== undefined),
      {
        message: 'set USER_POOL_ID, USER_POOL_CLIENT_ID and TOKEN_ISSUER together (or none)',
        path: ['USER_POOL_ID'],
      },
    )
    .refine((c) => c.OPERATOR_KEY_SECRET_ARN !== undefined || c.OPERATOR_KEY !== undefined, {
      message: 'set OPERATOR_KEY_SECRET_ARN (AWS) or OPERATOR_KEY (local)',
      path: ['OPERATOR_KEY_SECRET_ARN'],
    }),
  ingest: z.object({
    TABLE_NAME: nonEmpty,
    BUCKET_NAME: nonEmpty,
    S3_FORCE_PATH_STYLE: flag,
  }),
  distribute: z
    .object({
      TABLE_NAME: nonEmpty,
      SES_CONFIGURATION_SET: nonEmpty,
      MAIL_FROM: nonEmpty,
      SCHEDULE_GROUP: nonEmpty,
      SCHEDULER_ROLE_ARN: nonEmpty,
      REROUTE_FUNCTION_ARN: nonEmpty,
      DEADLINE_DLQ_ARN: nonEmpty,
      PUBLIC_URL: nonEmpty,
      ...linkKeySettings,
    })
    .refine(...hasLinkKeys),
  'email-events': z.object({ TABLE_NAME: nonEmpty }),
  // The reminder before a deadline is sent from here, with the same signed links as the lead email.
  reroute: z
    .object({
      TABLE_NAME: nonEmpty,
      SES_CONFIGURATION_SET: nonEmpty,
      MAIL_FROM: nonEmpty,
      PUBLIC_URL: nonEmpty,
      ...linkKeySettings,
    })
    .refine(...hasLinkKeys),
  aggregate: z.object({ TABLE_NAME: nonEmpty }),
  'upload-sweeper': z.object({ TABLE_NAME: nonEmpty, INGEST_FUNCTION_NAME: nonEmpty }),
  export: z.object({ TABLE_NAME: nonEmpty, BUCKET_NAME: nonEmpty, S3_FORCE_PATH_STYLE: flag }),
  'reports-rebuild': z.object({ TABLE_NAME: nonEmpty }),
  webhooks: z.object({
    TABLE_NAME: nonEmpty,
    SCHEDULE_GROUP: nonEmpty,
    SCHEDULER_ROLE_ARN: nonEmpty,
    DEADLINE_DLQ_ARN: nonEmpty,
    SES_CONFIGURATION_SET: nonEmpty,
    MAIL_FROM: nonEmpty,
    WEBHOOK_ALLOW_PRIVATE_TARGETS: flag,
    WEBHOOK_RETRY_BASE_SECONDS: z.coerce.number().positive().optional(),
  }),
} as const;

export type ConfigFor<N extends keyof typeof ConfigSchemas> = z.infer<(typeof ConfigSchemas)[N]>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the environment once (call it at module scope). Throws naming every missing or bad variable. */
export function loadConfig<N extends keyof typeof ConfigSchemas>(
  name: N,
  env: Record<string, string | undefined> = process.env,
): ConfigFor<N> {
  const result = ConfigSchemas[name].safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`${name} configuration is invalid: ${problems.join('; ')}`);
  }
  return result.data as ConfigFor<N>;
}
