import { getSecret } from '@aws-lambda-powertools/parameters/secrets';

/**
 * The operator key: from Secrets Manager in AWS (cached for five minutes by
 * Powertools, so a rotation takes effect without a deploy), or given directly
 * by the local cloud.
 */
export function operatorKeySource(config: {
  OPERATOR_KEY_SECRET_ARN?: string | undefined;
  OPERATOR_KEY?: string | undefined;
}): () => Promise<string> {
  const { OPERATOR_KEY, OPERATOR_KEY_SECRET_ARN } = config;
  if (OPERATOR_KEY) return async () => OPERATOR_KEY;
  if (!OPERATOR_KEY_SECRET_ARN) throw new Error('No operator key configured');
  return async () => {
    const value = await getSecret(OPERATOR_KEY_SECRET_ARN, { maxAge: 300 });
    if (typeof value !== 'string' || value.length === 0) {
      throw new Error(`Secret ${OPERATOR_KEY_SECRET_ARN} holds no operator key`);
    }
    return value;
  };
}
