import { ApiError } from '../api/client';

/**
 * An error as the API named it: the message, the code, and each detail at the path it
 * names (a field, a row, a condition). role=alert so screen readers hear it at once.
 */
export function ErrorNote({ error, title }: { error: unknown; title?: string }) {
  if (error === undefined || error === null) return null;
  const api = error instanceof ApiError ? error : undefined;
  const message = api ? api.body.message : error instanceof Error ? error.message : String(error);
  return (
    <div class="note note-error" role="alert">
      <p>
        <strong>{title ?? 'That did not work.'}</strong> {message}
        {api ? <span class="code"> ({api.body.code})</span> : null}
      </p>
      {api && api.body.details.length > 0 ? (
        <ul>
          {api.body.details.map((d) => (
            <li key={`${d.path}:${d.message}`}>
              {d.path ? <code>{d.path}</code> : null} {d.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** The details of an error that name one path (or start with it), for showing next to that field. */
export function detailsAt(error: unknown, path: string): string[] {
  if (!(error instanceof ApiError)) return [];
  return error.body.details
    .filter((d) => d.path === path || d.path.startsWith(`${path}.`))
    .map((d) => d.message);
}

/** A done action's outcome (role=status: announced, not interrupting). */
export function Outcome({ message }: { message: string | undefined }) {
  return (
    <p class="note note-ok" role="status" hidden={!message}>
      {message ?? ''}
    </p>
  );
}
