import { useEffect, useState } from 'preact/hooks';
import type { Tokens } from './cognito';

/** The signed-in person: their tokens and the tenant they chose to act for. */
export interface Session {
  email: string;
  tokens: Tokens;
  /** What the console sends as x-lead-relay-tenant (`supplier:<id>` or `partner:<sid>:<pid>`). */
  tenant?: string;
}

const KEY = 'leadrelay.session';
type Listener = () => void;
const listeners = new Set<Listener>();

/** Why the last session ended, shown on the sign-in page (a removed user, an expired refresh token). */
let endedBecause: string | undefined;

function read(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : undefined;
  } catch {
    return undefined;
  }
}

let current: Session | undefined = read();

function publish(next: Session | undefined): void {
  current = next;
  if (next) sessionStorage.setItem(KEY, JSON.stringify(next));
  else sessionStorage.removeItem(KEY);
  for (const listener of listeners) listener();
}

/**
 * The session lives in this tab's sessionStorage: a reload keeps it, closing the tab ends it,
 * and no other site can read it (the strict CSP keeps other scripts out).
 */
export const session = {
  get: (): Session | undefined => current,
  start(email: string, tokens: Tokens): void {
    endedBecause = undefined;
    publish({ email, tokens });
  },
  update(tokens: Tokens): void {
    if (current) publish({ ...current, tokens });
  },
  chooseTenant(tenant: string | undefined): void {
    if (!current) return;
    const { tenant: _old, ...rest } = current;
    publish(tenant ? { ...rest, tenant } : rest);
  },
  end(reason?: string): void {
    endedBecause = reason;
    publish(undefined);
  },
  endedBecause: (): string | undefined => endedBecause,
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

export function useSession(): Session | undefined {
  const [value, setValue] = useState(current);
  useEffect(() => session.subscribe(() => setValue(current)), []);
  return value;
}
