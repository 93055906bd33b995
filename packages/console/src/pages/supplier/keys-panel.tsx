import { useState } from 'preact/hooks';
import type { Schemas } from '../../api/client';
import { useAction, useLoad } from '../../ui/data';
import { ErrorNote, Outcome } from '../../ui/errors';
import { when } from '../../ui/format';
import { OnceSecret } from '../../ui/once-secret';
import { Pager, usePager } from '../../ui/pager';

type ApiKey = Schemas['ApiKey'];

/**
 * API keys of one principal (the supplier's own, or one partner's): the list with its
 * prefixes, a new key (shown once), revoking one after a confirmation.
 */
export function KeysPanel(props: {
  title: string;
  /** Whose keys, in words ("the supplier", "Northwind"). */
  owner: string;
  /** A resetting key for paging (the owner's id). */
  pageKey: string;
  list: (cursor: string | undefined) => Promise<{ items: ApiKey[]; nextCursor: string | null }>;
  create: () => Promise<{ key: ApiKey; apiKey: string }>;
  revoke: (keyId: string) => Promise<unknown>;
  hint?: string;
}) {
  const pager = usePager(`keys:${props.pageKey}`);
  const keys = useLoad(() => props.list(pager.cursor), [props.pageKey, pager.cursor]);
  const create = useAction();
  const revoke = useAction();
  const [fresh, setFresh] = useState<{ key: ApiKey; apiKey: string } | undefined>(undefined);
  const headingId = `keys-${props.pageKey}`;
  return (
    <section aria-labelledby={headingId} class="keys">
      <div class="page-title">
        <h2 id={headingId}>{props.title}</h2>
        <button
          type="button"
          class="primary"
          disabled={create.busy}
          onClick={() =>
            void create
              .run(props.create, (r) => `Created key ${r.key.prefix}… for ${props.owner}.`)
              .then((r) => {
                if (r) {
                  setFresh(r);
                  keys.reload();
                }
              })
          }
        >
          Create a key
        </button>
      </div>
      {props.hint ? <p class="muted">{props.hint}</p> : null}
      <ErrorNote error={create.error} title="No key was created." />
      <Outcome message={create.outcome} />
      {fresh ? (
        <OnceSecret
          label={`New API key ${fresh.key.prefix}…`}
          secret={fresh.apiKey}
          onDone={() => setFresh(undefined)}
        />
      ) : null}
      <ErrorNote error={keys.error} title="Could not load the keys." />
      <ErrorNote error={revoke.error} title="Not revoked." />
      <Outcome message={revoke.outcome} />
      {(keys.data?.items ?? []).length === 0 ? (
        <p class="muted">{keys.loading ? 'Loading…' : `No keys: ${props.owner} has none yet.`}</p>
      ) : (
        <div class="table-wrap">
          <table class="grid">
            <caption class="sr-only">{props.title}</caption>
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {(keys.data?.items ?? []).map((k) => (
                <tr key={k.id} data-key-id={k.id}>
                  <td>
                    <code>{k.prefix}…</code>
                  </td>
                  <td>{when(k.createdAt)}</td>
                  <td>{k.lastUsedAt ? when(k.lastUsedAt) : 'Never'}</td>
                  <td>
                    {k.revokedAt ? (
                      <span class="badge badge-bad">Revoked {when(k.revokedAt)}</span>
                    ) : (
                      <span class="badge badge-ok">Active</span>
                    )}
                  </td>
                  <td>
                    {k.revokedAt ? null : (
                      <button
                        type="button"
                        class="danger"
                        disabled={revoke.busy}
                        aria-label={`Revoke key ${k.prefix}`}
                        onClick={() => {
                          if (
                            !confirm(
                              `Revoke key ${k.prefix}… of ${props.owner}? Whatever uses it is refused from its next request on.`,
                            )
                          )
                            return;
                          void revoke
                            .run(() => props.revoke(k.id), `Revoked key ${k.prefix}….`)
                            .then(() => keys.reload());
                        }}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager
        pager={pager}
        nextCursor={keys.data?.nextCursor}
        count={keys.data?.items.length ?? 0}
        label={`${props.title} pages`}
      />
    </section>
  );
}
