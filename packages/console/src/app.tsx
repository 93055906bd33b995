import { Suspense } from 'preact/compat';
import { useEffect, useMemo, useRef } from 'preact/hooks';
import { Link, Redirect, Route, Router, Switch, useLocation } from 'wouter-preact';
import { api, ok, useCognito } from './api/client';
import { Cognito } from './auth/cognito';
import { session, useSession } from './auth/session';
import type { ConsoleConfig } from './config';
import { SignIn } from './pages/common/sign-in';
import { partnerScreens, type Screen, supplierScreens } from './screens';
import { type Me, TenantContext, type TenantInfo, tenantLabel } from './tenant';
import { useLoad } from './ui/data';
import { ErrorNote } from './ui/errors';

export function App({ config }: { config: ConsoleConfig }) {
  const cognito = useMemo(() => new Cognito(config.cognito), [config]);
  useCognito(cognito);
  const current = useSession();
  if (!current) return <SignIn cognito={cognito} />;
  return <SignedIn email={current.email} tenant={current.tenant} />;
}

function SignedIn({ email, tenant }: { email: string; tenant: string | undefined }) {
  const me = useLoad(() => ok(api.GET('/v1/me')), [email, tenant]);
  const tenants = me.data?.tenants ?? [];
  const chosen = tenant ? tenants.find((t) => t.tenant === tenant) : undefined;
  // Back to the tab after a while: ask again, so a removed person is signed out at once.
  useEffect(() => {
    const again = () => document.visibilityState === 'visible' && me.reload();
    document.addEventListener('visibilitychange', again);
    return () => document.removeEventListener('visibilitychange', again);
  }, [me.reload]);
  useEffect(() => {
    // One tenant: nothing to choose.
    if (!tenant && tenants.length === 1 && tenants[0]) session.chooseTenant(tenants[0].tenant);
  }, [tenant, tenants]);

  if (me.error) {
    return (
      <main id="main" class="center-page">
        <h1>Lead Relay</h1>
        <ErrorNote error={me.error} title="Could not load your account." />
        <button type="button" onClick={() => session.end()}>
          Sign out
        </button>
      </main>
    );
  }
  if (!me.data) return <p class="loading">Loading…</p>;
  if (!chosen) return <ChooseTenant me={me.data} />;
  return (
    <TenantContext.Provider value={{ me: me.data, tenant: chosen }}>
      <Router base="/console">
        <Shell me={me.data} tenant={chosen} />
      </Router>
    </TenantContext.Provider>
  );
}

function ChooseTenant({ me }: { me: Me }) {
  return (
    <main id="main" class="center-page">
      <h1>Choose where to work</h1>
      <p>
        You ({me.user.email}) are a user of {me.tenants.length} suppliers or partners. Choose one; you can
        switch later.
      </p>
      <ul class="choices">
        {me.tenants.map((t) => (
          <li key={t.tenant}>
            <button
              type="button"
              onClick={() => {
                // Each tenant kind has its own screens: start at the new tenant's first one.
                history.replaceState(null, '', '/console/');
                session.chooseTenant(t.tenant);
              }}
            >
              {tenantLabel(t)}{' '}
              <span class="muted">
                ({t.kind}, {t.role})
              </span>
            </button>
          </li>
        ))}
      </ul>
      <button type="button" class="link" onClick={() => session.end()}>
        Sign out
      </button>
    </main>
  );
}

function Shell({ me, tenant }: { me: Me; tenant: TenantInfo }) {
  const screens: Screen[] = tenant.kind === 'supplier' ? supplierScreens : partnerScreens;
  const home = tenant.kind === 'supplier' ? '/leads' : '/inbox';
  const [location] = useLocation();
  const main = useRef<HTMLElement>(null);
  // A new screen moves focus to its heading, as a page load would, so screen readers announce it.
  useEffect(() => {
    const heading = main.current?.querySelector<HTMLElement>('h1');
    heading?.focus({ preventScroll: true });
    const screen = screens.find((s) => matches(s.path, location));
    document.title = `${screen?.title ?? 'Lead Relay'} · Lead Relay`;
  }, [location, screens]);
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Lead Relay</span>
        <span class="tenant">
          {tenantLabel(tenant)} <span class="muted">· {tenant.role}</span>
        </span>
        {me.tenants.length > 1 ? (
          <button type="button" class="link" onClick={() => session.chooseTenant(undefined)}>
            Switch
          </button>
        ) : null}
        <span class="who">{me.user.email}</span>
        <button type="button" onClick={() => session.end()}>
          Sign out
        </button>
      </header>
      <nav class="side" aria-label="Main">
        <ul>
          {screens
            .filter((s) => s.nav)
            .map((s) => (
              <li key={s.path}>
                <Link href={s.path} aria-current={location.startsWith(s.path) ? 'page' : undefined}>
                  {s.title}
                </Link>
              </li>
            ))}
        </ul>
      </nav>
      <main id="main" ref={main}>
        <Suspense fallback={<p class="loading">Loading…</p>}>
          <Switch>
            {screens.map((s) => (
              <Route key={s.path} path={s.path} component={s.component} />
            ))}
            <Route path="/">
              <Redirect to={home} replace />
            </Route>
            <Route>
              <h1 tabIndex={-1}>Not found</h1>
              <p>
                There is no such page. <Link href={home}>Go to the start.</Link>
              </p>
            </Route>
          </Switch>
        </Suspense>
      </main>
    </div>
  );
}

function matches(pattern: string, path: string): boolean {
  const re = new RegExp(`^${pattern.replace(/:[^/]+/g, '[^/]+')}$`);
  return re.test(path);
}
