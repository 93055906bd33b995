import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api, ok, type Schemas } from '../../api/client';
import { useTenant } from '../../tenant';
import { useAction, useLoad } from '../../ui/data';
import { ErrorNote, Outcome } from '../../ui/errors';
import { PageTitle } from '../../ui/form';
import { when } from '../../ui/format';
import { KeysPanel } from './keys-panel';
import {
  bodyOf,
  draftOf,
  type PartnerDraft,
  PartnerFields,
  type Warning,
  warningsByEmail,
} from './partner-form';
import { PartnerState } from './partners';
import './intake.css';

type Partner = Schemas['Partner'];
type Patch = Schemas['PatchPartnerInput'];

const FIELD_WORDS: Record<string, string> = {
  name: 'name',
  groups: 'groups',
  leadOwners: 'lead owners',
  autoAccept: 'auto-accept',
  capacity: 'capacity',
  paused: 'paused',
  weight: 'weight',
  domains: 'owned domains',
};

/** The fields of `next` that differ from `before` (a PATCH names only what changed). */
function changes(before: Partner, next: ReturnType<typeof bodyOf>['body']): Patch {
  const patch: Record<string, unknown> = {};
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (next.name !== before.name) patch.name = next.name;
  if (!same(next.groups, before.groups)) patch.groups = next.groups;
  if (
    !same(
      next.leadOwners,
      before.leadOwners.map((o) => ({ email: o.email, ...(o.name ? { name: o.name } : {}) })),
    )
  )
    patch.leadOwners = next.leadOwners;
  if (next.autoAccept !== before.autoAccept) patch.autoAccept = next.autoAccept;
  if (!Object.is(next.capacity, before.capacity)) patch.capacity = next.capacity;
  if (next.paused !== before.paused) patch.paused = next.paused;
  if (!Object.is(next.weight, before.weight)) patch.weight = next.weight;
  if (!same(next.domains, before.domains ?? [])) patch.domains = next.domains;
  return patch as Patch;
}

/** One partner: its fields (lead owners with role-address warnings), disable or enable, its API keys. */
export default function PartnerPage(props: { params: { id: string } }) {
  const id = props.params.id;
  const { tenant } = useTenant();
  const loaded = useLoad(() => ok(api.GET('/v1/partners/{id}', { params: { path: { id } } })), [id]);
  const toggle = useAction();
  // The page's, not the form's: the form starts again after a save, the outcome stays.
  const save = useAction();
  const partner = loaded.data?.partner;

  if (!partner) {
    return (
      <>
        <PageTitle>Partner</PageTitle>
        <ErrorNote error={loaded.error} title="Could not load the partner." />
        {loaded.error ? <Link href="/partners">All partners</Link> : <p class="loading">Loading…</p>}
      </>
    );
  }
  return (
    <>
      <PageTitle actions={<Link href="/partners">All partners</Link>}>
        {partner.name} <PartnerState partner={partner} />
      </PageTitle>
      <p class="muted">
        Added {when(partner.createdAt)} · changed {when(partner.updatedAt)} · id <code>{partner.id}</code>
      </p>
      <EditPartner
        // A saved change (a new version) starts the form again from what the API answered.
        key={partner.version}
        partner={partner}
        warnings={loaded.data?.warnings ?? []}
        save={save}
        onSaved={loaded.reload}
      />

      <section class="panel" aria-labelledby="access-title">
        <h2 id="access-title">Access</h2>
        <p>
          {partner.disabled
            ? 'Disabled: its API keys, its users and its email links are refused. Its keys are kept and work again once it is enabled.'
            : 'Enabled. Disabling refuses its API keys, its users and its email links at once; it keeps its leads and keys.'}
        </p>
        <ErrorNote error={toggle.error} title={partner.disabled ? 'Not enabled.' : 'Not disabled.'} />
        <Outcome message={toggle.outcome} />
        <button
          type="button"
          class={partner.disabled ? 'primary' : 'danger'}
          disabled={toggle.busy}
          onClick={() => {
            const disabled = !partner.disabled;
            if (
              disabled &&
              !confirm(
                `Disable ${partner.name}? Its keys, users and email links are refused until you enable it.`,
              )
            )
              return;
            void toggle
              .run(
                () => ok(api.PATCH('/v1/partners/{id}', { params: { path: { id } }, body: { disabled } })),
                disabled ? `Disabled ${partner.name}.` : `Enabled ${partner.name}.`,
              )
              .then((r) => r && loaded.reload());
          }}
        >
          {partner.disabled ? 'Enable the partner' : 'Disable the partner'}
        </button>
      </section>

      {tenant.role === 'admin' ? (
        <KeysPanel
          title="API keys"
          owner={partner.name}
          pageKey={partner.id}
          hint="The partner’s integrations use these keys. Rotate by creating a new key, switching, then revoking the old one."
          list={(cursor) =>
            ok(
              api.GET('/v1/partners/{id}/keys', {
                params: { path: { id }, query: { limit: 50, ...(cursor ? { cursor } : {}) } },
              }),
            )
          }
          create={() => ok(api.POST('/v1/partners/{id}/keys', { params: { path: { id } } }))}
          revoke={(keyId) =>
            ok(api.DELETE('/v1/partners/{id}/keys/{keyId}', { params: { path: { id, keyId } } }))
          }
        />
      ) : (
        <>
          <h2>API keys</h2>
          <p>Only an admin of the supplier manages a partner’s API keys.</p>
        </>
      )}
    </>
  );
}

function EditPartner(props: {
  partner: Partner;
  warnings: Warning[];
  save: ReturnType<typeof useAction>;
  onSaved: () => void;
}) {
  const { partner, save } = props;
  const [draft, setDraft] = useState<PartnerDraft>(() => draftOf(partner));
  const [sentRows, setSentRows] = useState<number[]>([]);
  const warnings = warningsByEmail(partner.leadOwners, props.warnings);
  return (
    <form
      class="panel intake-form"
      aria-labelledby="edit-partner-title"
      onSubmit={(e) => {
        e.preventDefault();
        const { body, sentRows } = bodyOf(draft);
        setSentRows(sentRows);
        const patch = changes(partner, body);
        if (Object.keys(patch).length === 0) {
          void save.run(async () => undefined, 'Nothing to save: no field changed.');
          return;
        }
        void save
          .run(
            () => ok(api.PATCH('/v1/partners/{id}', { params: { path: { id: partner.id } }, body: patch })),
            (r) =>
              `Saved ${r.partner.name}: ${Object.keys(patch)
                .map((k) => FIELD_WORDS[k] ?? k)
                .join(', ')}.${
                r.warnings.length ? ` ${r.warnings.length} warning(s): see the lead owners.` : ''
              }`,
          )
          .then((r) => r && props.onSaved());
      }}
    >
      <h2 id="edit-partner-title">Details</h2>
      <PartnerFields
        draft={draft}
        onChange={setDraft}
        error={save.error}
        sentRows={sentRows}
        warnings={warnings}
        idPrefix="partner"
      />
      <ErrorNote error={save.error} title="Not saved." />
      <Outcome message={save.outcome} />
      <p class="actions-row">
        <button type="submit" class="primary" disabled={save.busy}>
          {save.busy ? 'Saving…' : 'Save changes'}
        </button>
        <button type="button" onClick={() => setDraft(draftOf(partner))} disabled={save.busy}>
          Undo changes
        </button>
      </p>
    </form>
  );
}
