import { App, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Synthesized, synth } from './synth';

let synthesized: Synthesized;

beforeAll(() => {
  // cdk-nag reads the construct tree, not the assets: no need to bundle here.
  synthesized = synth({ bundle: false });
}, 120_000);

interface Acknowledgment {
  readonly path: string;
  readonly id: string;
  readonly reason: unknown;
}

/** Every acknowledgment recorded with Validations.of(...).acknowledge, where it was made. */
function acknowledgmentsUnder(root: IConstruct): Acknowledgment[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, unknown>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

describe('cdk-nag AwsSolutions', () => {
  it('reports a finding that nobody acknowledged (the check is live)', () => {
    const scratch = new Stack(new App(), 'Scratch');
    new s3.Bucket(scratch, 'Unlogged');
    const report = new AwsSolutionsChecks().validateScope(scratch);
    expect(report.violations.map((violation) => violation.ruleName)).toContain('AwsSolutions-S1');
  });

  it('leaves no unacknowledged error or warning in the stack', () => {
    const report = new AwsSolutionsChecks().validateScope(synthesized.stack);
    const findings = report.violations.map((violation) => ({
      rule: violation.ruleName,
      severity: violation.severity,
      at: violation.violatingResources.map((resource) => resource.constructPath),
    }));
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('gives every acknowledgment a reason', () => {
    const acknowledgments = acknowledgmentsUnder(synthesized.stack);
    expect(acknowledgments.length).toBeGreaterThan(0);
    for (const { path, id, reason } of acknowledgments) {
      expect({ path, id, reason: typeof reason === 'string' && reason.trim().length >= 20 }).toEqual({
        path,
        id,
        reason: true,
      });
    }
  });

  it('acknowledges wildcard and managed-policy findings one by one, never the whole rule', () => {
    const granular = acknowledgmentsUnder(synthesized.stack).filter(({ id }) =>
      /^AwsSolutions-IAM[45]\b/.test(id),
    );
    expect(granular.length).toBeGreaterThan(0);
    for (const { path, id } of granular) {
      expect({ path, id }).toEqual({
        path,
        id: expect.stringMatching(/^AwsSolutions-IAM[45]\[(Resource|Action|Policy)::.+\]$/),
      });
    }
  });

  it('acknowledges nothing for the whole stack at once', () => {
    const stackWide = acknowledgmentsUnder(synthesized.stack).filter(
      ({ path }) => path === synthesized.stack.node.path,
    );
    expect(stackWide).toEqual([]);
  });
});
