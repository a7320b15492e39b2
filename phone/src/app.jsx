// The shell: sign-in, the header with the sync state, the bottom bar, and the hash routes
// (#/, #/h/<id>, #/h/<id>/edit, #/new, #/group, #/sync, #/guide, #/me, #/fix/<key>), so Android's back
// button and a reload keep the volunteer where they were.
import { useEffect, useLayoutEffect, useState } from 'preact/hooks';
import {
  PasswordError,
  SignInError,
  deferPassword,
  issuedPasswordHeld,
  setOwnPassword,
  signIn,
  signInAgain,
  signOut,
  waitingCount,
} from './actions.js';
import { GroupForm, Handbook } from './forms.jsx';
import { HouseholdForm, HouseholdList, HouseholdScreen } from './households.jsx';
import { WalkMapScreen } from './maplazy.jsx';
import { LANGS, LANG_NAMES, currentLang, formatDateTime, switchLang, t } from './i18n.js';
import { ROLES_ALLOWED, emit, ownItems, state, subscribe } from './store.js';
import { SyncScreen, FixItem } from './syncscreen.jsx';
import { requestSync } from './sync.js';
import { notesUnhandled, readsNotes } from './handoff.js';
import { Icon, dismissToast, go, onToast, toast, toastState } from './ui.jsx';
import { applyUpdate, onUpdate, update } from './updates.js';

export function useStore() {
  const [, setTick] = useState(0);
  useEffect(() => subscribe(() => setTick((n) => n + 1)), []);
}

function useHash() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const listener = () => setHash(location.hash);
    window.addEventListener('hashchange', listener);
    return () => window.removeEventListener('hashchange', listener);
  }, []);
  return hash.replace(/^#\/?/, '');
}

function SignIn() {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const leaving = state.leaving.filter((s) => ownItems(s.userId).length);

  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setError('');
    try {
      await signIn(username, password);
    } catch (failure) {
      setError(failure instanceof SignInError ? t(failure.message) : String(failure.message || failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="signin">
      <img src="/app/icons/icon-192.png" alt="" width="72" height="72" />
      <h1>{t('app.name')}</h1>
      <p class="muted">{t('signin.lead')}</p>
      <form onSubmit={submit}>
        <label>
          {t('signin.username')}
          <input name="username" autocomplete="username" autocapitalize="none" required value={username}
            onInput={(e) => setUsername(e.currentTarget.value)} />
        </label>
        <label>
          {t('signin.password')}
          <input name="password" type="password" autocomplete="current-password" required value={password}
            onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        {error && <p class="error" role="alert">{error}</p>}
        <button class="primary big" type="submit" disabled={busy}>
          {busy ? t('signin.busy') : t('signin.submit')}
        </button>
      </form>
      {leaving.map((s) => (
        <p class="notice" key={s.userId} data-testid="leaving">
          {t('signin.leaving_kept', { count: ownItems(s.userId).length, user: s.username })}
        </p>
      ))}
      <LanguageSwitch />
    </main>
  );
}

function LanguageSwitch() {
  return (
    <div class="langs" role="group" aria-label={t('me.language')}>
      {LANGS.map((lang) => (
        <button type="button" key={lang} class={currentLang() === lang ? 'chip on' : 'chip'} aria-pressed={currentLang() === lang}
          onClick={async () => {
            await switchLang(lang);
            emit({ data: true });  // every screen draws again in the new language
          }}>
          {LANG_NAMES[lang]}
        </button>
      ))}
    </div>
  );
}

function PasswordAgain() {
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  async function submit(event) {
    event.preventDefault();
    try {
      await signInAgain(password);
    } catch (failure) {
      setError(failure instanceof SignInError ? t(failure.message) : String(failure.message || failure));
    }
  }
  // What the phone knows is only that the server refused its token; the message names every reason that
  // can be, and says the queue is kept.
  const waiting = ownItems(state.session.userId).length;
  return (
    <form class="banner warn" onSubmit={submit} data-testid="reauth">
      <strong>{t('reauth.title')}</strong>
      <span>{t('reauth.lead', { user: state.session.username })}</span>
      {waiting > 0 && <span data-testid="reauth-kept">{t('reauth.kept', { count: waiting })}</span>}
      <input type="password" name="password-again" autocomplete="current-password" required value={password}
        aria-label={t('signin.password')} onInput={(e) => setPassword(e.currentTarget.value)} />
      {error && <span class="error" role="alert">{error}</span>}
      {error && <span class="small">{t('reauth.help')}</span>}
      <button class="primary" type="submit">{t('reauth.submit')}</button>
    </form>
  );
}

// Signed in with a handed-out password: the member's own, before anything else. Offline, they may work on
// (the queue is on the phone either way) and are asked again at the next contact with the server.
function SetPassword() {
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [errors, setErrors] = useState({});
  const [offline, setOffline] = useState(false);
  const [busy, setBusy] = useState(false);
  const askCurrent = !issuedPasswordHeld() || Boolean(errors.current_password);
  const waiting = ownItems(state.session.userId).length;
  const canDefer = offline || !state.sync.online;

  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    setOffline(false);
    try {
      await setOwnPassword({ current: askCurrent ? current : '', password, again });
      toast(t('password.saved'));
    } catch (failure) {
      if (!(failure instanceof PasswordError)) throw failure;
      setErrors(failure.errors);
      setOffline(failure.offline);
    } finally {
      setBusy(false);
    }
  }

  const said = (field) => (errors[field] || []).map((message) => (
    <span class="error note" role="alert" key={message}>{message}</span>
  ));
  return (
    <main class="signin" data-testid="set-password">
      <h1>{t('password.title')}</h1>
      <p>{t('password.lead', { user: state.session.username })}</p>
      <form onSubmit={submit}>
        {askCurrent && (
          <label>
            {t('password.current')}
            <input name="current-password" type="password" autocomplete="current-password" required value={current}
              onInput={(e) => setCurrent(e.currentTarget.value)} />
            {said('current_password')}
          </label>
        )}
        <label>
          {t('password.new')}
          <input name="new-password" type="password" autocomplete="new-password" required value={password}
            onInput={(e) => setPassword(e.currentTarget.value)} />
          <span class="muted small note">{t('password.hint')}</span>
          {said('new_password')}
        </label>
        <label>
          {t('password.again')}
          <input name="new-password-again" type="password" autocomplete="new-password" required value={again}
            onInput={(e) => setAgain(e.currentTarget.value)} />
          {said('new_password_again')}
        </label>
        {said('non_field_errors')}
        <button class="primary big" type="submit" disabled={busy}>
          {busy ? t('password.busy') : t('password.submit')}
        </button>
      </form>
      {waiting > 0 && <p class="notice" data-testid="password-kept">{t('password.kept', { count: waiting })}</p>}
      {canDefer && (
        <div class="banner warn" data-testid="password-offline">
          <span>{t('password.offline')}</span>
          <button class="big" type="button" onClick={deferPassword}>{t('password.later')}</button>
        </div>
      )}
      <button class="big" type="button" onClick={() => signOut()}>{t('me.signout')}</button>
    </main>
  );
}

function RoleRefused() {
  return (
    <main class="signin">
      <h1>{t('app.name')}</h1>
      <p class="error" role="alert">{t('signin.role_refused')}</p>
      <a class="button" href="/">{t('role.web')}</a>
      <button class="big" type="button" onClick={() => signOut()}>{t('me.signout')}</button>
    </main>
  );
}

function SyncPill() {
  const waiting = state.session ? ownItems(state.session.userId).filter((i) => i.state === 'waiting').length : 0;
  const problems = state.session ? ownItems(state.session.userId).filter((i) => i.state !== 'waiting').length : 0;
  let text;
  let tone = 'ok';
  if (!state.sync.online) {
    text = t('sync.offline');
    tone = 'off';
  } else if (state.sync.running) {
    text = t('sync.running');
  } else if (state.sync.error) {
    text = t('sync.failed');
    tone = 'off';
  } else {
    text = state.meta.lastSyncAt ? t('sync.synced_at', { time: formatDateTime(state.meta.lastSyncAt) }) : t('sync.never');
  }
  return (
    <a href="#/sync" class={`pill ${tone}`} data-testid="sync-pill">
      <span class="dot" />
      <span>{text}</span>
      {waiting > 0 && <span class="count" data-testid="waiting-count">{t('sync.waiting_short', { count: waiting })}</span>}
      {problems > 0 && <span class="count bad">{problems}</span>}
    </a>
  );
}

function Account() {
  const [confirming, setConfirming] = useState(false);
  const [leavingNow, setLeavingNow] = useState(false);
  const user = state.session.user;
  const waiting = waitingCount();
  const leave = () => {
    setLeavingNow(true);
    signOut();
  };
  return (
    <section class="page">
      <h2>{t('me.title')}</h2>
      <dl class="facts">
        <dt>{t('me.name')}</dt>
        <dd>{user.full_name || user.username}</dd>
        <dt>{t('me.username')}</dt>
        <dd>{user.username}</dd>
        <dt>{t('me.role')}</dt>
        <dd>{t(`role.${user.role}`)}</dd>
        <dt>{t('me.villages')}</dt>
        <dd>{state.villages.map((v) => v.name).join(', ') || '—'}</dd>
      </dl>
      <h3>{t('me.language')}</h3>
      <LanguageSwitch />
      <h3>{t('me.signout')}</h3>
      {!confirming && (
        <button class="big" type="button" disabled={leavingNow} onClick={() => (waiting ? setConfirming(true) : leave())}>
          {leavingNow ? t('signout.busy') : t('me.signout')}
        </button>
      )}
      {confirming && (
        <div class="banner warn" role="alertdialog" data-testid="signout-warning">
          <strong>{t('signout.waiting_title', { count: waiting })}</strong>
          <span>{t('signout.waiting_lead_kept')}</span>
          <button class="primary big" type="button" onClick={() => { setConfirming(false); go('sync'); requestSync({ force: true }); }}>
            {t('signout.sync_first')}
          </button>
          <button class="big danger" type="button" disabled={leavingNow} onClick={leave}>
            {leavingNow ? t('signout.busy') : t('signout.anyway')}
          </button>
          <button class="big" type="button" onClick={() => setConfirming(false)}>{t('common.cancel')}</button>
        </div>
      )}
    </section>
  );
}

function Screen({ route }) {
  const [head, id, sub] = route.split('/');
  useLayoutEffect(() => {
    if (head !== '') window.scrollTo(0, 0);  // a new screen starts at its top (the list keeps its place)
  }, [route]);
  if (head === 'h' && id && sub === 'edit') return <HouseholdForm id={id} key={`edit-${id}`} />;
  if (head === 'h' && id) return <HouseholdScreen id={id} key={`h-${id}`} />;
  if (head === 'new') return <HouseholdForm key="new" />;
  if (head === 'group') return <GroupForm key="group" />;
  if (head === 'sync') return <SyncScreen />;
  if (head === 'fix' && id) return <FixItem itemKey={decodeURIComponent(id)} key={`fix-${id}`} />;
  if (head === 'guide') return <Handbook />;
  if (head === 'map') return <WalkMapScreen />;
  if (head === 'me') return <Account />;
  return <HouseholdList />;
}

function Toast() {
  const [, setTick] = useState(0);
  useEffect(() => onToast(() => setTick((n) => n + 1)), []);
  return toastState.text ? (
    <button type="button" class="toast" role="status" data-testid="toast" onClick={dismissToast}>
      {toastState.text}
    </button>
  ) : null;
}

const TABS = [
  ['', 'home', 'nav.households'],
  ['group', 'group', 'nav.group'],
  ['sync', 'sync', 'nav.sync'],
  ['guide', 'book', 'nav.guide'],
  ['me', 'user', 'nav.me'],
];

export function App() {
  useStore();
  const route = useHash();
  const [, setUpdate] = useState(0);
  useEffect(() => onUpdate(() => setUpdate((n) => n + 1)), []);
  if (!state.ready) return null;
  const session = state.session;
  if (!session) return <SignIn />;
  if (session.roleRefused || !ROLES_ALLOWED.includes(session.user.role)) return <RoleRefused />;
  if (session.passwordChangeRequired && !session.needsPassword && !state.passwordDeferred) return <SetPassword />;
  const head = route.split('/')[0];
  const problems = ownItems(session.userId).filter((i) => i.state !== 'waiting').length;
  // A leader's unhandled notes from the team's members (syncscreen.jsx "Ghi chú từ thành viên").
  const notes = readsNotes(session) ? notesUnhandled() : 0;
  return (
    <div class="shell">
      <header class="top">
        <span class="brand">{t('app.short')}</span>
        <SyncPill />
      </header>
      {update.waiting && (
        <div class="banner info" role="status">
          <span>{t('update.ready')}</span>
          <button class="primary" type="button" onClick={applyUpdate}>{t('update.apply')}</button>
        </div>
      )}
      {session.needsPassword && <PasswordAgain />}
      {session.passwordChangeRequired && state.passwordDeferred && (
        <p class="banner warn" role="status" data-testid="password-deferred">{t('password.deferred')}</p>
      )}
      <Screen route={route} />
      <nav class="tabs">
        {TABS.map(([path, icon, label]) => (
          <a key={path} href={`#/${path}`} class={(head === path || (path === '' && head === 'h')) ? 'on' : ''}>
            <Icon name={icon} />
            <span>{t(label)}</span>
            {path === 'sync' && problems > 0 && <b class="badge">{problems}</b>}
            {path === 'sync' && notes > 0 && (
              <b class="badge notes" data-testid="tab-notes" aria-label={t('notes.unhandled')}>{notes}</b>
            )}
          </a>
        ))}
      </nav>
      <Toast />
    </div>
  );
}
