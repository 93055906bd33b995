import { describe, expect, it } from 'vitest';

/**
 * The project's scripts (npm test, npm start, the bench, .ci/run) run on the Node
 * the project pins (the `node` package in devDependencies puts its binary first
 * on npm's PATH), the major version of Lambda's runtime: a silent fallback to the
 * machine's own Node fails here.
 */
describe('runtime', () => {
  it('is the pinned Node 22, the version the functions run on in AWS', () => {
    expect(process.versions.node.split('.')[0]).toBe('22');
  });
});
