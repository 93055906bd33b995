import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
  UsernameExistsException,
} from '@aws-sdk/client-cognito-identity-provider';
import { type IdentityProvider, type TokenVerifier, UnauthorizedError } from '@leadrelay/core';
import { JwtRsaVerifier } from 'aws-jwt-verify';
import { FetchError, JwtBaseError } from 'aws-jwt-verify/error';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';

/**
 * The user pool as the product uses it: Cognito in AWS, the Cognito emulator locally
 * (the SDK honours AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER), the same calls in both.
 */
export class CognitoIdentities implements IdentityProvider {
  constructor(
    private readonly userPoolId: string,
    private readonly client = new CognitoIdentityProviderClient({}),
  ) {}

  // AdminCreateUser (the pool emails the invitation and a temporary password); a person the
  // pool has already (a user of another tenant) is found by AdminGetUser instead
  async invite(email: string): Promise<{ userId: string; invited: boolean }> {
    try {
      const { User } = await this.client.send(
        new AdminCreateUserCommand({
          UserPoolId: this.userPoolId,
          Username: email,
          UserAttributes: [
            { Name: 'email', Value: email },
            { Name: 'email_verified', Value: 'true' },
          ],
          DesiredDeliveryMediums: ['EMAIL'],
        }),
      );
      return { userId: subOf(User?.Attributes, User?.Username), invited: true };
    } catch (error) {
      if (!(error instanceof UsernameExistsException)) throw error;
      const found = await this.client.send(
        new AdminGetUserCommand({ UserPoolId: this.userPoolId, Username: email }),
      );
      return { userId: subOf(found.UserAttributes, found.Username), invited: false };
    }
  }
}

function subOf(
  attributes: { Name?: string; Value?: string }[] | undefined,
  username: string | undefined,
): string {
  const sub = attributes?.find((a) => a.Name === 'sub')?.Value ?? username;
  if (!sub) throw new Error('The user pool answered a user without a sub');
  return sub;
}

/**
 * Verifies the console's ID tokens with aws-jwt-verify: RS256 signature by a key of the
 * issuer's JWKS (`<issuer>/.well-known/jwks.json`, fetched once and cached), issuer,
 * audience (the app client), expiry, and `token_use` = id. The JWKS is fetched with
 * the runtime's fetch, so an emulator's http issuer works as Cognito's https one does.
 */
export class IdTokenVerifier implements TokenVerifier {
  private readonly verifier;

  constructor(settings: { issuer: string; clientId: string }) {
    const issuer = settings.issuer.replace(/\/+$/, '');
    this.verifier = JwtRsaVerifier.create(
      {
        issuer,
        audience: settings.clientId,
        jwksUri: `${issuer}/.well-known/jwks.json`,
      },
      {
        jwksCache: new SimpleJwksCache({
          fetcher: {
            fetch: async (uri) => (await fetch(uri, { signal: AbortSignal.timeout(5_000) })).arrayBuffer(),
          },
        }),
      },
    );
  }

  async verify(token: string): Promise<{ userId: string; email: string }> {
    let payload: Record<string, unknown>;
    try {
      payload = (await this.verifier.verify(token)) as Record<string, unknown>;
    } catch (error) {
      // A token that fails a check is the caller's; a JWKS that cannot be fetched is ours (a 500).
      if (error instanceof JwtBaseError && !(error instanceof FetchError)) {
        throw new UnauthorizedError(`The token is not valid: ${error.message}; sign in again`);
      }
      throw error;
    }
    if (payload.token_use !== 'id') throw new UnauthorizedError('Send the ID token of your sign-in');
    const { sub, email } = payload;
    if (typeof sub !== 'string' || typeof email !== 'string') {
      throw new UnauthorizedError('The token names no user (sub, email); sign in again');
    }
    return { userId: sub, email };
  }
}
