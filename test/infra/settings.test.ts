import { beforeAll, describe, expect, it } from 'vitest';
import { logicalIdOf, type Synthesized, synth } from './synth';

type Parameter = { Type: string; Default?: string; AllowedPattern?: string; Description?: string };
type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };

let synthesized: Synthesized;
let parameters: Record<string, Parameter>;
let resources: Record<string, Resource>;

beforeAll(() => {
  synthesized = synth({ bundle: false });
  const json = synthesized.template.toJSON() as {
    Parameters: Record<string, Parameter>;
    Resources: Record<string, Resource>;
  };
  parameters = json.Parameters;
  resources = json.Resources;
}, 120_000);

/**
 * What ops provide at deploy time, and what the stack makes for them (README, Deploying to AWS):
 * the sender and the alarm email are stack parameters, which CloudFormation keeps from one deploy to
 * the next; the operator key and the link keys are secrets the stack generates on its first deploy.
 */
describe('the settings of a deployment', () => {
  it('are the MailFrom and AlarmEmail parameters, and only those besides CDK’s own', () => {
    const ours = Object.keys(parameters).filter((name) => name !== 'BootstrapVersion');
    expect(ours.sort()).toEqual(['AlarmEmail', 'MailFrom']);
  });

  it('take the sender from MailFrom: required (no default), a bare address only', () => {
    const parameter = parameters.MailFrom;
    expect(parameter?.Type).toBe('String');
    expect(parameter && 'Default' in parameter).toBe(false);
    const pattern = new RegExp(parameter?.AllowedPattern ?? '');
    expect(['leads@example.com', 'lead.relay+eu@mail.example.co.uk'].map((v) => pattern.test(v))).toEqual([
      true,
      true,
    ]);
    expect(
      ['', 'Lead Relay <leads@example.com>', 'leads@example', 'a b@example.com'].map((v) => pattern.test(v)),
    ).toEqual([false, false, false, false]);
  });

  it('refuse the old mailFrom context, naming the parameter that replaced it', () => {
    expect(() => synth({ context: { mailFrom: 'leads@example.com' }, bundle: false })).toThrow(
      /--parameters MailFrom=leads@example\.com/,
    );
  });

  it('generate the operator key: 48 letters and digits, retained', () => {
    const secret = resources[logicalIdOf(synthesized.stack.data.operatorKey)];
    expect(secret?.DeletionPolicy).toBe('Retain');
    expect(secret?.Properties.GenerateSecretString).toEqual({ ExcludePunctuation: true, PasswordLength: 48 });
  });

  it('generate the link keys as {"current": "k1", "k1": <64 letters and digits>}, retained', () => {
    const secret = resources[logicalIdOf(synthesized.stack.data.linkKeys)];
    expect(secret?.DeletionPolicy).toBe('Retain');
    expect(secret?.Properties.GenerateSecretString).toEqual({
      SecretStringTemplate: JSON.stringify({ current: 'k1' }),
      GenerateStringKey: 'k1',
      ExcludePunctuation: true,
      PasswordLength: 64,
    });
  });
});
