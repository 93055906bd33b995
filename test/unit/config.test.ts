import { atExpression, ConfigError, loadConfig, parseLinkKeys } from '@leadrelay/aws';
import { describe, expect, it } from 'vitest';

describe('handler configuration', () => {
  it('names every missing variable at cold start', () => {
    expect(() => loadConfig('distribute', { TABLE_NAME: 't' })).toThrow(ConfigError);
    expect(() => loadConfig('distribute', { TABLE_NAME: 't' })).toThrow(/SES_CONFIGURATION_SET.*MAIL_FROM/);
  });

  it('needs an operator key source for the api', () => {
    const keys = { LINK_KEYS: '{"current":"k1","k1":"0123456789abcdef"}' };
    expect(() =>
      loadConfig('api', { TABLE_NAME: 't', BUCKET_NAME: 'b', EXPORT_FUNCTION_NAME: 'export', ...keys }),
    ).toThrow(/OPERATOR_KEY_SECRET_ARN/);
    expect(
      loadConfig('api', {
        TABLE_NAME: 't',
        BUCKET_NAME: 'b',
        OPERATOR_KEY: 'k',
        EXPORT_FUNCTION_NAME: 'export',
        ...keys,
      }),
    ).toMatchObject({
      OPERATOR_KEY: 'k',
      S3_FORCE_PATH_STYLE: false,
    });
  });

  it('gives the api the export function and the inline export limits, as whole positive numbers', () => {
    const base = {
      TABLE_NAME: 't',
      BUCKET_NAME: 'b',
      OPERATOR_KEY: 'k',
      LINK_KEYS: '{"current":"k1","k1":"0123456789abcdef"}',
    };
    expect(() => loadConfig('api', base)).toThrow(/EXPORT_FUNCTION_NAME/);
    const config = loadConfig('api', {
      ...base,
      EXPORT_FUNCTION_NAME: 'export',
      EXPORT_INLINE_MAX_ROWS: '200',
    });
    expect(config).toMatchObject({ EXPORT_INLINE_MAX_ROWS: 200 });
    expect(config.EXPORT_INLINE_MAX_BYTES).toBeUndefined();
    for (const bad of ['0', '-3', '1.5', 'many']) {
      expect(() =>
        loadConfig('api', { ...base, EXPORT_FUNCTION_NAME: 'e', EXPORT_INLINE_MAX_BYTES: bad }),
      ).toThrow(/EXPORT_INLINE_MAX_BYTES/);
    }
  });

  it('parses on/off settings to booleans: "true", "false", unset is off, anything else names the variable', () => {
    const ingest = (value?: string) =>
      loadConfig('ingest', {
        TABLE_NAME: 't',
        BUCKET_NAME: 'b',
        ...(value === undefined ? {} : { S3_FORCE_PATH_STYLE: value }),
      }).S3_FORCE_PATH_STYLE;
    expect(ingest('true')).toBe(true);
    expect(ingest('false')).toBe(false);
    expect(ingest()).toBe(false);
    for (const typo of ['yes', 'TRUE', '1', '']) {
      expect(() => ingest(typo)).toThrow(/S3_FORCE_PATH_STYLE/);
    }
  });
});

describe('link keys', () => {
  it('are required by the api and distribute, from a secret or given directly', () => {
    expect(() =>
      loadConfig('api', {
        TABLE_NAME: 't',
        BUCKET_NAME: 'b',
        OPERATOR_KEY: 'k',
        EXPORT_FUNCTION_NAME: 'export',
      }),
    ).toThrow(/LINK_KEYS_SECRET_ARN/);
  });

  it('parse the secret format: current signs, every other key verifies', () => {
    const keys = parseLinkKeys(
      '{"current":"k2","k1":"old-secret-0123456789","k2":"new-secret-0123456789"}',
      'test',
    );
    expect(keys).toEqual({
      current: { id: 'k2', secret: 'new-secret-0123456789' },
      previous: [{ id: 'k1', secret: 'old-secret-0123456789' }],
    });
  });

  it('refuse JSON without the current key, naming the source', () => {
    expect(() => parseLinkKeys('{"current":"k9","k1":"x"}', 'LINK_KEYS')).toThrow(/LINK_KEYS.*current/);
    expect(() => parseLinkKeys('not json', 'LINK_KEYS')).toThrow(/LINK_KEYS is not JSON/);
  });
});

describe('schedule expressions', () => {
  it('writes at() in UTC without zone or fraction', () => {
    expect(atExpression(new Date('2026-11-23T10:05:07.891Z'))).toBe('at(2026-11-23T10:05:07)');
  });
});
