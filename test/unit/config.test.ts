import { atExpression, ConfigError, loadConfig } from '@leadrelay/aws';
import { describe, expect, it } from 'vitest';

describe('handler configuration', () => {
  it('names every missing variable at cold start', () => {
    expect(() => loadConfig('distribute', { TABLE_NAME: 't' })).toThrow(ConfigError);
    expect(() => loadConfig('distribute', { TABLE_NAME: 't' })).toThrow(/SES_CONFIGURATION_SET.*MAIL_FROM/);
  });

  it('needs an operator key source for the api', () => {
    expect(() => loadConfig('api', { TABLE_NAME: 't', BUCKET_NAME: 'b' })).toThrow(/OPERATOR_KEY_SECRET_ARN/);
    expect(loadConfig('api', { TABLE_NAME: 't', BUCKET_NAME: 'b', OPERATOR_KEY: 'k' })).toMatchObject({
      OPERATOR_KEY: 'k',
      S3_FORCE_PATH_STYLE: 'false',
    });
  });
});

describe('schedule expressions', () => {
  it('writes at() in UTC without zone or fraction', () => {
    expect(atExpression(new Date('2026-11-23T10:05:07.891Z'))).toBe('at(2026-11-23T10:05:07)');
  });
});
