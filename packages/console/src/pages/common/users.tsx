import { useState } from 'preact/hooks';
import { api, ok, type Schemas } from '../../api/client';
import { useTenant } from '../../tenant';
import { useAction, useLoad } from '../../ui/data';
import { detailsAt, ErrorNote, Outcome } from '../../ui/errors';
import { Field, PageTitle } from '../../ui/form';
import { when } from '../../ui/format';
import { Pager, usePager } from '../../ui/pager';

type User = Schemas['User'];

/**
 * The supplier's or partner's people: an admin invites (the pool emails a temporary
 * password), lists and removes them. A removed person is signed out at their next request.
 */
export default function Users() {
  const { me, tenant } = useTenant();
  const pager = usePager('users');
  const users = useLoad(
    () =>
      ok(
        api.GET('/v1/users', {
          params: { query: { limit: 50, ...(pager.cursor ? { cursor: pager.cursor } : {}) } },
        }),
      ),
    [pager.cursor],
  );
  const invite = useAction();
  const remove = useAction();
  const [role, setRole] = useState<'admin' | 'member'>('member');

  if (tenant.role !== 'admin') {
    return (
      <>
        <PageTitle>Users</PageTitle>
        <p>
          Only an admin of {tenant.kind === 'supplier' ? 'the supplier' : 'the partner'} invites and removes
          users.
        </p>
      </>
    );
  }
  return (
    <>
      <PageTitle>Users</PageTitle>
      <form
        class="panel"
        aria-label="Invite a user"
        onSubmit={(e) => {
          e.preventDefault();
          const form = e.currentTarget as HTMLFormElement;
          const data = new FormData(form);
          const email = String(data.get('email') ?? '').trim();
          const name = String(data.get('name') ?? '').trim();
          void invite
            .run(
              () => ok(api.POST('/v1/users', { body: { email, role, ...(name ? { name } : {}) } })),
              (r) =>
                r.invited
                  ? `Invited ${r.user.email}: they get an email with a temporary password.`
                  : `Added ${r.user.email}: they already had an account and sign in with it.`,
            )
            .then((r) => {
              if (r) {
                form.reset();
                users.reload();
              }
            });
        }}
      >
        <h2>Invite a user</h2>
        <div class="row">
          <Field label="Email" errors={detailsAt(invite.error, 'email')}>
            {(id, d) => <input id={id} name="email" type="email" required aria-describedby={d} />}
          </Field>
          <Field label="Name (optional)" errors={detailsAt(invite.error, 'name')}>
            {(id, d) => <input id={id} name="name" aria-describedby={d} />}
          </Field>
          <Field label="Role" hint="Admins also invite and remove users.">
            {(id, d) => (
              <select
                id={id}
                value={role}
                aria-describedby={d}
                onChange={(e) => setRole((e.currentTarget as HTMLSelectElement).value as 'admin' | 'member')}
              >
                <option value="member">member</option>
                <option value="admin">admin</option>
              </select>
            )}
          </Field>
          <div class="field">
            <button type="submit" class="primary" disabled={invite.busy}>
              Invite
            </button>
          </div>
        </div>
        <ErrorNote error={invite.error} title="Not invited." />
        <Outcome message={invite.outcome} />
      </form>

      <ErrorNote error={users.error} title="Could not load the users." />
      <ErrorNote error={remove.error} title="Not removed." />
      <Outcome message={remove.outcome} />
      <div class="table-wrap">
        <table class="grid">
          <caption class="sr-only">Users</caption>
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Added</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(users.data?.items ?? []).map((u: User) => (
              <tr key={u.id}>
                <td>{u.email}</td>
                <td>{u.role}</td>
                <td>{when(u.createdAt)}</td>
                <td>
                  {u.id === me.user.id ? (
                    <span class="muted">you</span>
                  ) : (
                    <button
                      type="button"
                      class="danger"
                      disabled={remove.busy}
                      aria-label={`Remove ${u.email}`}
                      onClick={() => {
                        if (!confirm(`Remove ${u.email}? They are signed out at their next request.`)) return;
                        void remove
                          .run(
                            () => ok(api.DELETE('/v1/users/{id}', { params: { path: { id: u.id } } })),
                            `Removed ${u.email}.`,
                          )
                          .then(() => users.reload());
                      }}
                    >
                      Remove
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager
        pager={pager}
        nextCursor={users.data?.nextCursor}
        count={users.data?.items.length ?? 0}
        label="User pages"
      />
    </>
  );
}
