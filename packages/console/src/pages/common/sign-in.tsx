import { useState } from 'preact/hooks';
import { type Cognito, signInMessage } from '../../auth/cognito';
import { session } from '../../auth/session';
import { Field } from '../../ui/form';

type Step =
  | { kind: 'sign-in' }
  | { kind: 'new-password'; email: string; session: string }
  | { kind: 'forgot'; email: string }
  | { kind: 'reset'; email: string; destination: string | undefined };

/**
 * Sign-in with email and password; an invited person's first sign-in asks for a new
 * password; "Forgot your password?" sends a code and takes a new password with it.
 */
export function SignIn({ cognito }: { cognito: Cognito }) {
  const [step, setStep] = useState<Step>({ kind: 'sign-in' });
  const [error, setError] = useState<string | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(session.endedBecause());
  const [busy, setBusy] = useState(false);

  const attempt = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
    } catch (e) {
      setError(signInMessage(e, step.kind === 'sign-in' ? 'sign-in' : 'new-password'));
    } finally {
      setBusy(false);
    }
  };
  const form = (e: Event) => {
    e.preventDefault();
    return new FormData(e.currentTarget as HTMLFormElement);
  };
  const text = (data: FormData, name: string) => String(data.get(name) ?? '').trim();

  return (
    <main id="main" class="center-page sign-in">
      <h1>Lead Relay</h1>
      {notice ? (
        <p class="note note-info" role="status">
          {notice}
        </p>
      ) : null}
      {error ? (
        <p class="note note-error" role="alert">
          {error}
        </p>
      ) : null}

      {step.kind === 'sign-in' ? (
        <form
          aria-label="Sign in"
          onSubmit={(e) => {
            const data = form(e);
            const email = text(data, 'email');
            void attempt(async () => {
              const result = await cognito.signIn(email, String(data.get('password') ?? ''));
              if (result.kind === 'new-password') {
                setNotice('Choose a new password to finish signing in.');
                setStep({ kind: 'new-password', email, session: result.session });
              } else session.start(email, result.tokens);
            });
          }}
        >
          <h2>Sign in</h2>
          <Field label="Email">
            {(id) => <input id={id} name="email" type="email" autoComplete="username" required />}
          </Field>
          <Field label="Password">
            {(id) => (
              <input id={id} name="password" type="password" autoComplete="current-password" required />
            )}
          </Field>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
          <button
            type="button"
            class="link"
            onClick={() => {
              setError(undefined);
              setNotice(undefined);
              setStep({ kind: 'forgot', email: '' });
            }}
          >
            Forgot your password?
          </button>
        </form>
      ) : null}

      {step.kind === 'new-password' ? (
        <form
          aria-label="Choose a new password"
          onSubmit={(e) => {
            const data = form(e);
            const password = String(data.get('password') ?? '');
            if (password !== String(data.get('confirm') ?? '')) {
              setError('The two passwords differ.');
              return;
            }
            void attempt(async () => {
              const tokens = await cognito.setNewPassword(step.email, step.session, password);
              session.start(step.email, tokens);
            });
          }}
        >
          <h2>Choose a new password</h2>
          <p>
            Signing in as <strong>{step.email}</strong> for the first time.
          </p>
          <Field
            label="New password"
            hint="At least 8 characters, with upper and lower case letters, a digit and a symbol."
          >
            {(id, describedBy) => (
              <input
                id={id}
                name="password"
                type="password"
                autoComplete="new-password"
                aria-describedby={describedBy}
                required
              />
            )}
          </Field>
          <Field label="New password again">
            {(id) => <input id={id} name="confirm" type="password" autoComplete="new-password" required />}
          </Field>
          <button type="submit" class="primary" disabled={busy}>
            Set password and sign in
          </button>
        </form>
      ) : null}

      {step.kind === 'forgot' ? (
        <form
          aria-label="Reset your password"
          onSubmit={(e) => {
            const email = text(form(e), 'email');
            void attempt(async () => {
              const destination = await cognito.forgotPassword(email);
              setNotice(`We sent a code to ${destination ?? email}.`);
              setStep({ kind: 'reset', email, destination });
            });
          }}
        >
          <h2>Reset your password</h2>
          <Field label="Email">
            {(id) => <input id={id} name="email" type="email" autoComplete="username" required />}
          </Field>
          <button type="submit" class="primary" disabled={busy}>
            Send a code
          </button>
          <button type="button" class="link" onClick={() => setStep({ kind: 'sign-in' })}>
            Back to sign in
          </button>
        </form>
      ) : null}

      {step.kind === 'reset' ? (
        <form
          aria-label="Set a new password"
          onSubmit={(e) => {
            const data = form(e);
            void attempt(async () => {
              await cognito.confirmForgotPassword(
                step.email,
                text(data, 'code'),
                String(data.get('password') ?? ''),
              );
              setNotice('Your password is changed. Sign in with it.');
              setStep({ kind: 'sign-in' });
            });
          }}
        >
          <h2>Set a new password</h2>
          <Field label="Code from the email">
            {(id) => <input id={id} name="code" inputMode="numeric" autoComplete="one-time-code" required />}
          </Field>
          <Field label="New password">
            {(id) => <input id={id} name="password" type="password" autoComplete="new-password" required />}
          </Field>
          <button type="submit" class="primary" disabled={busy}>
            Change password
          </button>
          <button type="button" class="link" onClick={() => setStep({ kind: 'forgot', email: step.email })}>
            No code? Send another
          </button>
        </form>
      ) : null}
    </main>
  );
}
