import {
  CognitoIdentityProviderClient,
  ConfirmForgotPasswordCommand,
  ForgotPasswordCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { ConsoleConfig } from '../config';

/** Tokens of a signed-in person, as Cognito answers them. */
export interface Tokens {
  idToken: string;
  refreshToken: string;
  /** Epoch ms when the ID token expires. */
  expiresAt: number;
}

export type SignInResult =
  | { kind: 'signed-in'; tokens: Tokens }
  | { kind: 'new-password'; session: string; email: string };

/**
 * People sign in against the user pool with the Cognito API itself (AWS's SDK, no
 * credentials: these operations are unauthenticated): email and password, the new
 * password an invited person must choose, password reset, and refreshing the ID token.
 */
export class Cognito {
  private readonly client: CognitoIdentityProviderClient;

  constructor(private readonly config: ConsoleConfig['cognito']) {
    this.client = new CognitoIdentityProviderClient({
      region: config.region,
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      // InitiateAuth and the rest are unsigned; the SDK must not look for AWS credentials.
      credentials: { accessKeyId: 'none', secretAccessKey: 'none' },
      signer: { sign: async (request) => request },
    });
  }

  async signIn(email: string, password: string): Promise<SignInResult> {
    const out = await this.client.send(
      new InitiateAuthCommand({
        ClientId: this.config.clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: email, PASSWORD: password },
      }),
    );
    if (out.ChallengeName === 'NEW_PASSWORD_REQUIRED' && out.Session) {
      return { kind: 'new-password', session: out.Session, email };
    }
    return { kind: 'signed-in', tokens: tokensOf(out.AuthenticationResult) };
  }

  async setNewPassword(email: string, session: string, password: string): Promise<Tokens> {
    const out = await this.client.send(
      new RespondToAuthChallengeCommand({
        ClientId: this.config.clientId,
        ChallengeName: 'NEW_PASSWORD_REQUIRED',
        Session: session,
        ChallengeResponses: { USERNAME: email, NEW_PASSWORD: password },
      }),
    );
    return tokensOf(out.AuthenticationResult);
  }

  async forgotPassword(email: string): Promise<string | undefined> {
    const out = await this.client.send(
      new ForgotPasswordCommand({ ClientId: this.config.clientId, Username: email }),
    );
    return out.CodeDeliveryDetails?.Destination;
  }

  async confirmForgotPassword(email: string, code: string, password: string): Promise<void> {
    await this.client.send(
      new ConfirmForgotPasswordCommand({
        ClientId: this.config.clientId,
        Username: email,
        ConfirmationCode: code,
        Password: password,
      }),
    );
  }

  async refresh(refreshToken: string): Promise<Tokens> {
    const out = await this.client.send(
      new InitiateAuthCommand({
        ClientId: this.config.clientId,
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        AuthParameters: { REFRESH_TOKEN: refreshToken },
      }),
    );
    // A refresh answers no new refresh token: the old one stays good.
    return tokensOf(out.AuthenticationResult, refreshToken);
  }
}

function tokensOf(
  result: { IdToken?: string; RefreshToken?: string; ExpiresIn?: number } | undefined,
  refreshToken?: string,
): Tokens {
  if (!result?.IdToken) throw new Error('Cognito answered no ID token');
  return {
    idToken: result.IdToken,
    refreshToken: result.RefreshToken ?? refreshToken ?? '',
    expiresAt: Date.now() + (result.ExpiresIn ?? 3600) * 1000,
  };
}

/** Cognito's error as a sentence for the sign-in form (the SDK names the exception). */
export function signInMessage(error: unknown, step: 'sign-in' | 'new-password' = 'sign-in'): string {
  const name = (error as { name?: string }).name ?? '';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'NotAuthorizedException' && step === 'sign-in') return 'Incorrect email or password.';
  if (name === 'UserNotFoundException') return 'Incorrect email or password.';
  // cognito-local answers a wrong password at sign-in with this; Cognito with NotAuthorizedException.
  if (name === 'InvalidPasswordException' && step === 'sign-in') return 'Incorrect email or password.';
  if (name === 'InvalidPasswordException') return `That password is not allowed: ${message}`;
  if (name === 'CodeMismatchException') return 'That code is not right; check the email and try again.';
  if (name === 'ExpiredCodeException') return 'That code has expired; ask for a new one.';
  if (name === 'LimitExceededException' || name === 'TooManyRequestsException')
    return 'Too many attempts; wait a moment and try again.';
  return message || 'Sign-in failed.';
}
