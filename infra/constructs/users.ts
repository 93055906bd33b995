import { EnvName } from '@leadrelay/aws';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { acknowledge } from '../nag';

/**
 * What the api may do on the pool: invite a person (AdminCreateUser emails the
 * temporary password) and read one (a person the pool has already, a user of another
 * tenant). Nothing else: removing someone removes their membership (the api reads it on
 * every request), not their account; no listing, no attribute or password changes on
 * someone's behalf.
 */
export const userAdminActions = ['cognito-idp:AdminCreateUser', 'cognito-idp:AdminGetUser'] as const;

/** How long an invitation's temporary password works. */
const TEMPORARY_PASSWORD_DAYS = 7;

/**
 * People's sign-in for the web console: a Cognito user pool where supplier and
 * partner users sign in with their email and a password, and the console's app
 * client. Nobody signs up on their own: an admin invites a person through the api
 * (AdminCreateUser), Cognito emails the invitation with a temporary password, and
 * the person chooses their own password at first sign-in. The api accepts the
 * client's ID tokens beside API keys.
 *
 * The pool is retained when the stack goes away, like the table: its users are data.
 */
export class Users extends Construct {
  readonly pool: cognito.UserPool;
  /** The console's app client: a browser app, so no secret. */
  readonly consoleClient: cognito.UserPoolClient;
  /** The `iss` of the pool's tokens; its `/.well-known/jwks.json` holds their keys. */
  readonly tokenIssuer: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.pool = new cognito.UserPool(this, 'Pool', {
      selfSignUpEnabled: false,
      // The email is the username; a second account with the same address in other case is refused.
      signInAliases: { email: true },
      signInCaseSensitive: false,
      // Whoever holds the invitation's temporary password received it at that address.
      autoVerify: { email: true },
      // An address changed by the person stays the old one until the new one is verified.
      keepOriginal: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(TEMPORARY_PASSWORD_DAYS),
      },
      // Password resets by email only: the pool keeps no phone numbers.
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      mfa: cognito.Mfa.OFF,
      // Stated, not left to the default: the features in use (password sign-in, invitations, token
      // revocation) need nothing more; threat protection would need PLUS (see the acknowledgment below).
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      userInvitation: {
        emailSubject: 'Your Lead Relay invitation',
        emailBody:
          '<p>You have been invited to Lead Relay.</p>' +
          '<p>Sign in with your email address <b>{username}</b> and the temporary password ' +
          '<b>{####}</b>. You will choose your own password when you first sign in. ' +
          `The temporary password works for ${TEMPORARY_PASSWORD_DAYS} days; after that, ask your admin ` +
          'for a new invitation.</p>',
      },
      // Codes for a password reset and for a changed email address.
      userVerification: {
        emailStyle: cognito.VerificationEmailStyle.CODE,
        emailSubject: 'Your Lead Relay verification code',
        emailBody: '<p>Your Lead Relay verification code is <b>{####}</b>.</p>',
      },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.pool,
      'AwsSolutions-COG2',
      'MFA is not required yet: the console signs people in with email and password only, and a required ' +
        'second factor would make every first sign-in a TOTP setup the console does not offer yet. The ' +
        'passwords are long (12+, all character classes) and every invitation is made by an admin.',
    );
    acknowledge(
      this.pool,
      'AwsSolutions-COG8',
      'Threat protection (compromised credentials, adaptive authentication) is the paid PLUS feature plan, ' +
        'billed per monthly active user; the pool is on ESSENTIALS. Invitation only, no self sign-up, ' +
        'and no user-existence errors on sign-in keep the exposure small; PLUS is a one-line change.',
    );

    this.consoleClient = this.pool.addClient('Console', {
      userPoolClientName: 'console',
      // A browser app cannot keep a secret.
      generateSecret: false,
      // USER_PASSWORD_AUTH for the console's plain form, SRP for SDKs that prefer it; refresh is added.
      authFlows: { userPassword: true, userSrp: true },
      // The console signs in through the Cognito API, not the hosted UI: no OAuth flows or callback URLs.
      disableOAuth: true,
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      // A wrong email and a wrong password fail alike, so sign-in does not tell who has an account.
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      // Signing out (or AdminUserGlobalSignOut) revokes the refresh token and the tokens it issued.
      enableTokenRevocation: true,
    });

    this.tokenIssuer = `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${this.pool.userPoolId}`;
  }

  /**
   * USER_POOL_ID, USER_POOL_CLIENT_ID and TOKEN_ISSUER (the api verifies the console's
   * ID tokens against them), and the admin actions of `userAdminActions` on this pool only.
   */
  allowManaging(fn: lambda.Function): void {
    fn.addEnvironment(EnvName.userPoolId, this.pool.userPoolId);
    fn.addEnvironment(EnvName.userPoolClientId, this.consoleClient.userPoolClientId);
    fn.addEnvironment(EnvName.tokenIssuer, this.tokenIssuer);
    this.pool.grant(fn, ...userAdminActions);
  }
}
