import { EnvName } from '@leadrelay/aws';
import { beforeAll, describe, expect, it } from 'vitest';
import { type FunctionName, functionNames } from '../../functions/registry';
import { userAdminActions } from '../../infra/constructs/users';
import {
  actionsOf,
  logicalIdOf,
  roleIdOf as roleIdIn,
  type Statement,
  type Synthesized,
  statementsOfRole as statementsIn,
  synth,
} from './synth';

type Resource = {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};

let synthesized: Synthesized;
let resources: Record<string, Resource>;

beforeAll(() => {
  // The pool, the client, the api's settings and grants: no need to bundle.
  synthesized = synth({ bundle: false });
  resources = synthesized.template.toJSON().Resources as Record<string, Resource>;
}, 120_000);

const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
const poolId = () => logicalIdOf(synthesized.stack.users.pool);
const clientId = () => logicalIdOf(synthesized.stack.users.consoleClient);
const pool = () => resources[poolId()] as Resource;
const client = () => resources[clientId()] as Resource;
const statementsOfRole = (name: FunctionName): Statement[] =>
  statementsIn(resources, roleIdIn(synthesized, name));

describe("the user pool (people's sign-in)", () => {
  it('is the only user pool, with the console as its only client', () => {
    expect(ofType('AWS::Cognito::UserPool').map(([id]) => id)).toEqual([poolId()]);
    expect(ofType('AWS::Cognito::UserPoolClient').map(([id]) => id)).toEqual([clientId()]);
    expect(client().Properties.UserPoolId).toEqual({ Ref: poolId() });
    expect(ofType('AWS::Cognito::IdentityPool')).toEqual([]);
  });

  it('lets nobody sign up: admins invite, with an email that names Lead Relay, the username and the code', () => {
    const admin = pool().Properties.AdminCreateUserConfig as {
      AllowAdminCreateUserOnly: boolean;
      InviteMessageTemplate: { EmailSubject: string; EmailMessage: string };
    };
    expect(admin.AllowAdminCreateUserOnly).toBe(true);
    expect(admin.InviteMessageTemplate.EmailSubject).toContain('Lead Relay');
    expect(admin.InviteMessageTemplate.EmailMessage).toContain('Lead Relay');
    expect(admin.InviteMessageTemplate.EmailMessage).toContain('{username}');
    expect(admin.InviteMessageTemplate.EmailMessage).toContain('{####}');
  });

  it('signs in by email (required, verified), ignoring case', () => {
    expect(pool().Properties).toMatchObject({
      UsernameAttributes: ['email'],
      UsernameConfiguration: { CaseSensitive: false },
      AutoVerifiedAttributes: ['email'],
      Schema: [{ Name: 'email', Required: true, Mutable: true }],
    });
    expect(pool().Properties.AliasAttributes).toBeUndefined();
  });

  it('requires strong passwords, and a temporary password works for 7 days', () => {
    expect(pool().Properties.Policies).toEqual({
      PasswordPolicy: {
        MinimumLength: 12,
        RequireLowercase: true,
        RequireUppercase: true,
        RequireNumbers: true,
        RequireSymbols: true,
        TemporaryPasswordValidityDays: 7,
      },
    });
  });

  it('recovers an account (password reset) by email only', () => {
    expect(pool().Properties.AccountRecoverySetting).toEqual({
      RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }],
    });
    expect(pool().Properties.SmsConfiguration).toBeUndefined();
  });

  it('survives a stack deletion: deletion protection and a Retain policy', () => {
    expect(pool()).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(pool().Properties.DeletionProtection).toBe('ACTIVE');
  });
});

describe("the console's app client", () => {
  it('has no secret and no OAuth flows (a browser app on the Cognito API)', () => {
    expect(client().Properties.GenerateSecret).toBe(false);
    expect(client().Properties.AllowedOAuthFlowsUserPoolClient).toBe(false);
    expect(client().Properties.AllowedOAuthFlows).toBeUndefined();
    expect(client().Properties.CallbackURLs).toBeUndefined();
  });

  it('signs in by password or SRP and refreshes, and nothing else', () => {
    expect([...(client().Properties.ExplicitAuthFlows as string[])].sort()).toEqual(
      ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH'].sort(),
    );
  });

  it('does not tell who has an account, and revokes tokens on sign-out', () => {
    expect(client().Properties).toMatchObject({
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
    });
  });

  it('issues ID and access tokens for 1 hour, refresh tokens for 30 days', () => {
    const units = client().Properties.TokenValidityUnits as Record<string, string>;
    const minutes = (key: 'IdToken' | 'AccessToken' | 'RefreshToken', value: unknown): number => {
      const unit = units[key];
      const factor = { minutes: 1, hours: 60, days: 24 * 60 }[unit as 'minutes' | 'hours' | 'days'];
      if (factor === undefined) throw new Error(`unexpected unit ${unit} for ${key}`);
      return (value as number) * factor;
    };
    const { IdTokenValidity, AccessTokenValidity, RefreshTokenValidity } = client().Properties;
    expect(minutes('IdToken', IdTokenValidity)).toBe(60);
    expect(minutes('AccessToken', AccessTokenValidity)).toBe(60);
    expect(minutes('RefreshToken', RefreshTokenValidity)).toBe(30 * 24 * 60);
  });
});

describe('the api and the user pool', () => {
  /** A function's environment variables (none when it has no Environment). */
  const envOf = (name: FunctionName): Record<string, unknown> => {
    const fn = resources[logicalIdOf(synthesized.stack.functions.byName[name])];
    const environment = fn?.Properties.Environment as { Variables?: Record<string, unknown> } | undefined;
    return environment?.Variables ?? {};
  };
  const apiEnv = () => envOf('api');

  it("gives the api the pool, the console's client and the tokens' issuer", () => {
    expect(apiEnv()[EnvName.userPoolId]).toEqual({ Ref: poolId() });
    expect(apiEnv()[EnvName.userPoolClientId]).toEqual({ Ref: clientId() });
    expect(apiEnv()[EnvName.tokenIssuer]).toEqual({
      'Fn::Join': [
        '',
        ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.amazonaws.com/', { Ref: poolId() }],
      ],
    });
  });

  it('gives no other function the pool settings', () => {
    for (const name of functionNames.filter((n) => n !== 'api')) {
      const env = envOf(name);
      const poolSettings = [EnvName.userPoolId, EnvName.userPoolClientId, EnvName.tokenIssuer].filter(
        (key) => key in env,
      );
      expect({ name, poolSettings }).toEqual({ name, poolSettings: [] });
    }
  });

  it('lets the api invite and read users of this pool, and nothing more', () => {
    const cognito = statementsOfRole('api').filter((s) => actionsOf(s).some((a) => a.startsWith('cognito')));
    expect(cognito).toHaveLength(1);
    const [statement] = cognito as [Statement & { Condition?: unknown }];
    expect(statement.Effect).toBe('Allow');
    expect(statement.Condition).toBeUndefined();
    expect([...actionsOf(statement)].sort()).toEqual([
      'cognito-idp:AdminCreateUser',
      'cognito-idp:AdminGetUser',
    ]);
    expect([...userAdminActions].sort()).toEqual([...actionsOf(statement)].sort());
    expect(statement.Resource).toEqual({ 'Fn::GetAtt': [poolId(), 'Arn'] });
  });

  it('lets no other role in the stack touch Cognito', () => {
    const apiRole = roleIdIn(synthesized, 'api');
    const others = ofType('AWS::IAM::Policy')
      .filter(([, policy]) => JSON.stringify(policy.Properties.Roles) !== JSON.stringify([{ Ref: apiRole }]))
      .flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .flatMap(actionsOf)
      .filter((action) => action.toLowerCase().startsWith('cognito'));
    expect(others).toEqual([]);
  });
});
