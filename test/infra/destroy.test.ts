import { beforeAll, describe, expect, it } from 'vitest';
import { logicalIdOf, type Synthesized, synth } from './synth';

type Resource = { Type: string; DeletionPolicy?: string; UpdateReplacePolicy?: string };

let synthesized: Synthesized;
let resources: Record<string, Resource>;

beforeAll(() => {
  synthesized = synth({ bundle: false });
  resources = synthesized.template.toJSON().Resources as Record<string, Resource>;
}, 120_000);

/**
 * What `cdk destroy` leaves behind, as the README's deploy section says: the data and
 * everything needed to read it again; the dead-letter queues are the only stateful
 * resources that go, with their messages.
 */
describe('cdk destroy', () => {
  it('keeps the table, the buckets, the secrets, the user pool, the backup vault and the schedule group', () => {
    const { data, users, backups, deadlines, webConsole } = synthesized.stack;
    const kept = [
      data.table,
      data.inbox,
      data.accessLogs,
      data.operatorKey,
      data.linkKeys,
      users.pool,
      backups.vault,
      deadlines.group,
      webConsole.bucket,
    ];
    for (const construct of kept) {
      const id = logicalIdOf(construct);
      expect({ id, ...resources[id] }).toMatchObject({
        id,
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    }
  });

  it('keeps every log group', () => {
    const logGroups = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Logs::LogGroup');
    expect(logGroups.length).toBeGreaterThan(0);
    for (const [id, r] of logGroups)
      expect({ id, policy: r.DeletionPolicy }).toEqual({ id, policy: 'Retain' });
  });

  it('deletes the dead-letter queues, and nothing else that holds data', () => {
    // (The console's deployment custom resource has a Delete policy too: it deletes no files, and holds none.)
    const deleted = Object.entries(resources)
      .filter(([, r]) => r.DeletionPolicy === 'Delete' && r.Type !== 'Custom::CDKBucketDeployment')
      .map(([, r]) => r.Type);
    expect(deleted.length).toBeGreaterThan(0);
    expect([...new Set(deleted)]).toEqual(['AWS::SQS::Queue']);
  });
});
