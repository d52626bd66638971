/** The shell: auth gate (setup / login), the sidebar and the screen for the current route. */
import type { JSX } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { Collection } from '../../src/core/schema.js';
import { ToastHost } from './components/ui.js';
import { AccountPage } from './pages/account.js';
import { ApiKeysPage } from './pages/api-keys.js';
import { CollectionEditorPage } from './pages/collection-editor.js';
import { CollectionsPage } from './pages/collections.js';
import { JobsPage } from './pages/jobs.js';
import { LoginPage } from './pages/login.js';
import { LogsPage } from './pages/logs.js';
import { MailPage } from './pages/mail.js';
import { RecordsPage } from './pages/records.js';
import { SettingsPage } from './pages/settings.js';
import { SetupPage } from './pages/setup.js';
import { pb } from './pb.js';
import { href, navigate, useRoute } from './router.js';
import { CollectionsContext } from './state.js';
import { applyTheme, effectiveTheme, storedTheme } from './theme.js';
import type { Theme } from './theme.js';

function useAuth(): boolean {
  const [valid, setValid] = useState(pb.authStore.isValid && pb.authStore.isSuperuser);
  useEffect(() => pb.authStore.onChange(() => setValid(pb.authStore.isValid && pb.authStore.isSuperuser)), []);
  return valid;
}

export function App(): JSX.Element {
  const route = useRoute();
  const authed = useAuth();
  if (route.parts[0] === 'setup') return <ToastHost><SetupPage token={route.parts[1] ?? ''} /></ToastHost>;
  if (!authed) return <ToastHost><LoginPage /></ToastHost>;
  return (
    <ToastHost>
      <Shell />
    </ToastHost>
  );
}

function Shell(): JSX.Element {
  const route = useRoute();
  const [collections, setCollections] = useState<Collection[]>([]);
  const reload = useCallback(async () => {
    const list = (await pb.collections.getFullList({ sort: 'name' })) as unknown as Collection[];
    setCollections(list);
  }, []);
  const [hideControls, setHideControls] = useState(false);
  useEffect(() => {
    // Refresh the token once per visit so a long session does not expire mid-edit.
    pb.collection('_superusers').authRefresh().catch(() => pb.authStore.clear());
    reload().catch(() => {});
    pb.settings.getAll({ fields: 'meta' }).then((s) => setHideControls(s.meta?.hideControls === true), () => {});
    // The settings screen tells the shell when the option changes.
    const onSettings = (e: Event): void => setHideControls((e as CustomEvent<boolean>).detail);
    window.addEventListener('galley:hide-controls', onSettings);
    return () => window.removeEventListener('galley:hide-controls', onSettings);
  }, [reload]);

  const [section = 'collections', arg, sub] = route.parts;
  let screen: JSX.Element;
  if (section === 'collections' && arg === 'new') screen = <CollectionEditorPage key="new" />;
  else if (section === 'collections' && arg && sub === 'edit') screen = <CollectionEditorPage key={`edit-${arg}`} name={arg} />;
  else if (section === 'collections' && arg) screen = <RecordsPage key={arg} name={arg} />;
  else if (section === 'logs') screen = <LogsPage />;
  else if (section === 'settings') screen = <SettingsPage />;
  else if (section === 'mail') screen = <MailPage />;
  else if (section === 'jobs') screen = <JobsPage />;
  else if (section === 'apikeys') screen = <ApiKeysPage />;
  else if (section === 'account') screen = <AccountPage />;
  else screen = <CollectionsPage />;

  const current = (h: string): 'page' | undefined => (`#/${route.parts.join('/')}`.startsWith(h) ? 'page' : undefined);
  const user = pb.authStore.record;
  const regular = collections.filter((c) => !c.system || c.name === '_superusers');
  return (
    <CollectionsContext.Provider value={{ collections, reload, hideControls }}>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>
        Skip to content
      </a>
      <div class="shell">
        <nav class="nav" aria-label="Main">
          <div class="brand">
            <img src="/_/favicon.svg" alt="" width="22" height="22" /> Galley
          </div>
          <a href={href('collections')} aria-current={route.parts.length <= 1 && section === 'collections' ? 'page' : undefined}>
            Collections
          </a>
          <div class="section">Collections</div>
          {regular.map((c) => (
            <a key={c.id} href={href('collections', c.name)} aria-current={section === 'collections' && arg === c.name ? 'page' : undefined}>
              <span>{c.name}</span>
              {c.type !== 'base' ? <span class="badge">{c.type}</span> : null}
            </a>
          ))}
          <div class="section">Operations</div>
          <a href={href('logs')} aria-current={current('#/logs')}>Logs</a>
          <a href={href('jobs')} aria-current={current('#/jobs')}>Jobs</a>
          <a href={href('mail')} aria-current={current('#/mail')}>Mail outbox</a>
          <a href={href('apikeys')} aria-current={current('#/apikeys')}>API keys</a>
          <a href={href('settings')} aria-current={current('#/settings')}>Settings</a>
          <a href={href('account')} aria-current={current('#/account')}>Account security</a>
          <div class="bottom">
            <ThemeToggle />
            <span class="muted small" title="Logged in as">{String(user?.email ?? '')}</span>
            <button
              type="button"
              onClick={() => {
                void pb.realtime.unsubscribe().catch(() => {});
                pb.authStore.clear();
                navigate('#/');
              }}
            >
              Log out
            </button>
          </div>
        </nav>
        <main id="main" tabIndex={-1}>
          {screen}
        </main>
      </div>
    </CollectionsContext.Provider>
  );
}

function ThemeToggle(): JSX.Element {
  const [theme, setTheme] = useState<Theme>(storedTheme);
  const next: Theme = effectiveTheme(theme) === 'dark' ? 'light' : 'dark';
  return (
    <button
      type="button"
      aria-label={`Switch to ${next} mode`}
      onClick={() => {
        applyTheme(next);
        setTheme(next);
      }}
    >
      {next === 'dark' ? '☾ Dark mode' : '☀ Light mode'}
    </button>
  );
}
