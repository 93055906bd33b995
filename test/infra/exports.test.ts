import { beforeAll, describe, expect, it } from 'vitest';
import { type FunctionName, functionNames, functionSpecs } from '../../functions/registry';
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

type Resource = { Type: string; Properties: Record<string, unknown> };

let synthesized: Synthesized;
let resources: Record<string, Resource>;

beforeAll(() => {
  // Grants and settings only: no need to bundle.
  synthesized = synth({ bundle: false });
  resources = synthesized.template.toJSON().Resources as Record<string, Resource>;
}, 120_000);

const roleIdOf = (name: FunctionName) => roleIdIn(synthesized, name);
const statementsOfRole = (roleId: string): Statement[] => statementsIn(resources, roleId);

describe('large exports', () => {
  const exportId = () => logicalIdOf(synthesized.stack.functions.byName.export);

  it('lets only the api invoke the export function, unqualified', () => {
    for (const name of functionNames) {
      const invokes = statementsOfRole(roleIdOf(name)).filter(
        (s) =>
          actionsOf(s).includes('lambda:InvokeFunction') && referencedIds(s.Resource).includes(exportId()),
      );
      expect({ name, invokes }).toEqual({
        name,
        invokes:
          name === 'api'
            ? [
                {
                  Effect: 'Allow',
                  Action: 'lambda:InvokeFunction',
                  Resource: { 'Fn::GetAtt': [exportId(), 'Arn'] },
                },
              ]
            : [],
      });
    }
  });

  it('gives the export function 15 minutes, no trigger, and its failed events a dead-letter queue', () => {
    const spec = functionSpecs.export;
    expect(spec.timeoutSeconds).toBe(900);
    expect([spec.stream, spec.objectCreated, spec.schedule, spec.events]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    const configs = Object.values(resources).filter(
      (r) =>
        r.Type === 'AWS::Lambda::EventInvokeConfig' &&
        referencedIds(r.Properties.FunctionName)[0] === exportId(),
    );
    expect(configs).toHaveLength(1);
    expect(configs[0]?.Properties).toMatchObject({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 });
    const queueId = logicalIdOf(synthesized.stack.exports.failures.queue);
    expect(referencedIds(configs[0]?.Properties.DestinationConfig)).toEqual([queueId]);
  });

  it('expires export files after 7 days, and sends no ObjectCreated event for them (the trigger is for inbox/)', () => {
    const inbox = resources[logicalIdOf(synthesized.stack.data.inbox)] as Resource;
    const rules = (inbox.Properties.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;
    expect(rules).toContainEqual(expect.objectContaining({ Prefix: 'exports/', ExpirationInDays: 7 }));
    const notifications = Object.values(resources).filter((r) => r.Type === 'Custom::S3BucketNotifications');
    const filters = JSON.stringify(notifications.map((n) => n.Properties.NotificationConfiguration));
    expect(filters).toContain('"inbox/"');
    expect(filters).not.toContain('exports/');
  });
});
