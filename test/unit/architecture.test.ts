import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every production module: the handlers, the packages' sources, the stack. */
function productionSources(): string[] {
  const packages = readdirSync(join(root, 'packages')).map((name) => join(root, 'packages', name, 'src'));
  return [join(root, 'functions'), join(root, 'infra'), ...packages].flatMap(sources);
}

describe('packages/core', () => {
  it('imports no AWS SDK, no Lambda tooling and no adapter', () => {
    const forbidden =
      /from\s+['"](@aws-sdk\/|@smithy\/|@aws-lambda-powertools\/|aws-cdk-lib|aws-lambda['"]|@middy\/|@leadrelay\/(store|aws|local))/;
    const offenders = sources(join(root, 'packages/core/src')).filter((f) =>
      forbidden.test(readFileSync(f, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });

  it('holds no HTTP status: refusals and failures are domain codes, mapped to HTTP in functions/api/http.ts', () => {
    // A status as a field or a variable: `status: 404`, `statusCode = 200`, `status = x ? 404 : 409`.
    const httpStatus = /\bstatus(Code)?\b\s*[:=][^;\n,}]*\b[1-5]\d\d\b/;
    expect(httpStatus.test('    status: 410,')).toBe(true);
    expect(httpStatus.test("const status = refused === 'invalid' ? 400 : 409;")).toBe(true);
    const offenders = sources(join(root, 'packages/core/src')).flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .flatMap((line, i) =>
          httpStatus.test(line) ? [`${f.slice(root.length + 1)}:${i + 1}: ${line.trim()}`] : [],
        ),
    );
    expect(offenders).toEqual([]);
  });

  it('declares no AWS dependency in its package.json', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'packages/core/package.json'), 'utf8'));
    const deps = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies });
    expect(deps.filter((d) => d.startsWith('@aws-sdk/') || d.startsWith('@aws-lambda-powertools/'))).toEqual(
      [],
    );
  });

  it('reads lead files only through its LeadFiles port: packages/files depends on core, never the reverse', () => {
    const offenders = sources(join(root, 'packages/core/src')).filter((f) =>
      /from\s+['"]@leadrelay\/files['"]/.test(readFileSync(f, 'utf8')),
    );
    expect(offenders).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(root, 'packages/core/package.json'), 'utf8'));
    expect(Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies })).not.toContain('@leadrelay/files');
  });
});

describe('DynamoDB clients', () => {
  it('are built in packages/store/src/client.ts only, so every process marshals items the same way', () => {
    const builds = /new\s+DynamoDB(Document)?Client\s*\(|DynamoDBDocument(Client)?\.from\s*\(/;
    const builders = productionSources()
      .filter((f) => builds.test(readFileSync(f, 'utf8')))
      .map((f) => relative(root, f));
    expect(builders).toEqual(['packages/store/src/client.ts']);
  });
});

describe('loggers', () => {
  it('come from functions/shared/logger.ts only, so every log line names its function', () => {
    const builders = productionSources()
      .filter((f) => /new\s+Logger\s*\(/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(root, f));
    expect(builders).toEqual(['functions/shared/logger.ts']);
  });
});

describe('handler settings', () => {
  it('arrive parsed from the config schema: no handler compares a setting to a string boolean', () => {
    const compares = /[!=]==?\s*['"](true|false)['"]|['"](true|false)['"]\s*[!=]==?/;
    const offenders = sources(join(root, 'functions'))
      .filter((f) => compares.test(readFileSync(f, 'utf8')))
      .map((f) => relative(root, f));
    expect(offenders).toEqual([]);
  });
});

describe('comments', () => {
  it('cite no document outside the repository (they say the reason itself)', () => {
    const cites = /\b(design|api|style)\.md\b|\bshared\/\w+\.md\b|\bthe issue\b|\bissue \d+\b/i;
    const own = relative(root, import.meta.filename);
    const offenders = [...productionSources(), ...sources(join(root, 'test'))]
      .map((f) => relative(root, f))
      .filter((f) => f !== own && cites.test(readFileSync(join(root, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
