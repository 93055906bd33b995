import { beforeAll, describe, expect, it } from 'vitest';
import { type FunctionName, functionNames } from '../../functions/registry';
import {
  actionsOf,
  logicalIdOf,
  referencedIds,
  roleIdOf as roleIdIn,
  type Statement,
  type Synthesized,
  statementsOfRole as statementsIn,
  synth,
} from './synth';

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };

let synthesized: Synthesized;
let resources: Record<string, Resource>;

beforeAll(() => {
  // Grants and dependencies only: no need to bundle.
  synthesized = synth({ bundle: false });
  resources = synthesized.template.toJSON().Resources as Record<string, Resource>;
}, 120_000);

const roleIdOf = (name: FunctionName) => roleIdIn(synthesized, name);
const statementsOfRole = (roleId: string): Statement[] => statementsIn(resources, roleId);

describe('intake: uploads and long files', () => {
  it('lets ingest invoke exactly itself (to continue a long file), the upload sweeper exactly ingest (to resume a stalled upload), and no other function invoke ingest', () => {
    const ingestId = logicalIdOf(synthesized.stack.functions.byName.ingest);
    const invokersOfIngest: FunctionName[] = ['ingest', 'upload-sweeper'];
    for (const name of functionNames) {
      const invokes = statementsOfRole(roleIdOf(name)).filter((s) =>
        actionsOf(s).includes('lambda:InvokeFunction'),
      );
      if (!invokersOfIngest.includes(name)) {
        expect({
          name,
          invokesIngest: invokes.some((s) => referencedIds(s.Resource).includes(ingestId)),
        }).toEqual({
          name,
          invokesIngest: false,
        });
        continue;
      }
      // Ingest itself, unqualified: no other function, no versions (`:*`), no wildcard.
      expect({ name, invokes }).toEqual({
        name,
        invokes: [
          { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [ingestId, 'Arn'] } },
        ],
      });
    }
  });

  it('keeps the self-invoke grant out of the function’s own dependencies (no circular dependency)', () => {
    const ingest = resources[logicalIdOf(synthesized.stack.functions.byName.ingest)];
    const policyId = logicalIdOf(synthesized.stack.ingest.selfInvoke);
    expect(resources[policyId]?.Type).toBe('AWS::IAM::Policy');
    expect(ingest?.DependsOn ?? []).not.toContain(policyId);
  });

  it('lets api sign upload URLs: s3:PutObject under inbox/ only', () => {
    const inboxId = logicalIdOf(synthesized.stack.data.inbox);
    const puts = statementsOfRole(roleIdOf('api')).filter((s) => actionsOf(s).includes('s3:PutObject'));
    expect(puts).toEqual([
      {
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [inboxId, 'Arn'] }, '/inbox/*']] },
      },
    ]);
  });
});
