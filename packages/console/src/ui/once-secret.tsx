import type { ComponentChildren } from 'preact';
import { useId, useState } from 'preact/hooks';
import './once-secret.css';

/**
 * A secret shown once (a new API key, a webhook's signing secret): read-only, selectable, with a copy button. Only
 * its hash (or a sealed copy) is kept, so the words say plainly that this is the one chance to copy it.
 */
export function OnceSecret(props: {
  label: string;
  secret: string;
  onDone?: () => void;
  /** What else to know (what happens when it is lost); an API key's words by default. */
  children?: ComponentChildren;
}) {
  const [copied, setCopied] = useState<string | undefined>(undefined);
  const id = useId();
  return (
    <div class="note note-warn once-secret">
      <p>
        <strong>{props.label}</strong> Shown once: copy it now and keep it somewhere safe.{' '}
        {props.children ?? 'Lead Relay keeps only its hash; a lost key is replaced by creating a new one.'}
      </p>
      <div class="secret-row">
        <label class="sr-only" for={id}>
          {props.label}
        </label>
        <input
          id={id}
          class="secret"
          readOnly
          value={props.secret}
          spellcheck={false}
          onFocus={(e) => (e.currentTarget as HTMLInputElement).select()}
        />
        <button
          type="button"
          onClick={() => {
            const input = document.getElementById(id) as HTMLInputElement | null;
            navigator.clipboard.writeText(props.secret).then(
              () => setCopied('Copied to the clipboard.'),
              () => {
                // No clipboard permission: leave it selected for Ctrl+C.
                input?.focus();
                input?.select();
                setCopied('Selected: press Ctrl+C (⌘C) to copy.');
              },
            );
          }}
        >
          Copy
        </button>
        {props.onDone ? (
          <button type="button" class="link" onClick={props.onDone}>
            I have copied it
          </button>
        ) : null}
      </div>
      <p role="status" class="copied">
        {copied ?? ''}
      </p>
    </div>
  );
}
