// What waits, the last sync, what the server refused (its message, and a way to fix it), and household
// edits in conflict (the server's version beside the phone's; the volunteer chooses).
import { useState } from 'preact/hooks';
import { discard, resolveConflict } from './actions.js';
import { GroupForm } from './forms.jsx';
import { HouseholdForm, VisitForm } from './households.jsx';
import { coachRow } from './coach.js';
import { formatDateTime, t } from './i18n.js';
import { ownItems, state } from './store.js';
import { requestSync } from './sync.js';
import { go } from './ui.jsx';

const FIELDS = ['village', 'label', 'head_name', 'phone', 'members', 'working_age', 'consent'];

function villageName(code) {
  const village = state.villages.find((v) => v.code === code);
  return village ? village.name : code;
}

function householdLabel(id) {
  const row = coachRow(id);
  return row ? row.household.label : id.slice(0, 8);
}

export function describe(item) {
  const body = item.body;
  if (item.kind === 'visit') {
    return t('item.visit', {
      household: householdLabel(body.household),
      outcome: t(`outcome.${body.outcome}`),
      time: formatDateTime(body.visited_at),
    });
  }
  if (item.kind === 'household') return t('item.household', { label: body.label });
  return t('item.group_session', {
    village: villageName(body.village),
    time: formatDateTime(body.held_at),
    count: body.attendees,
  });
}

function show(field, value) {
  if (field === 'consent') return value ? t('common.yes') : t('common.no');
  if (field === 'village') return villageName(value);
  return value === null || value === undefined || value === '' ? '—' : String(value);
}

function Rejected({ item }) {
  const [asking, setAsking] = useState(false);
  const messages = Object.entries(item.errors || {});
  return (
    <li class="card bad" data-testid="rejected">
      <strong>{describe(item)}</strong>
      <ul class="messages">
        {messages.map(([field, list]) => (
          <li key={field}>
            {list.join(' ')} <span class="muted small">({field})</span>
          </li>
        ))}
      </ul>
      <div class="actions">
        <a class="button primary" href={`#/fix/${encodeURIComponent(item.key)}`}>{t('sync.fix')}</a>
        {!asking && <button type="button" onClick={() => setAsking(true)}>{t('sync.discard')}</button>}
        {asking && (
          <button type="button" class="danger" onClick={() => discard(item)}>{t('sync.discard_confirm')}</button>
        )}
      </div>
    </li>
  );
}

function Conflict({ item }) {
  const current = item.current;
  const mine = item.body;
  return (
    <li class="card warn" data-testid="conflict">
      <strong>{t('sync.conflict_title', { label: mine.label })}</strong>
      <p class="small">{t('sync.conflict_lead')}</p>
      <table class="compare">
        <thead>
          <tr>
            <th />
            <th>{t('sync.server_version')}</th>
            <th>{t('sync.my_version')}</th>
          </tr>
        </thead>
        <tbody>
          {FIELDS.map((field) => (
            <tr key={field} class={String(current[field] ?? '') !== String(mine[field] ?? '') ? 'differs' : ''}>
              <th>{t(`field.${field}`)}</th>
              <td>{show(field, current[field])}</td>
              <td>{show(field, mine[field])}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="actions">
        <button type="button" class="primary" onClick={() => resolveConflict(item, 'mine')}>{t('sync.keep_mine')}</button>
        <button type="button" onClick={() => resolveConflict(item, 'theirs')}>{t('sync.keep_server')}</button>
      </div>
    </li>
  );
}

export function SyncScreen() {
  const mine = ownItems(state.session.userId);
  const waiting = mine.filter((i) => i.state === 'waiting');
  const rejected = mine.filter((i) => i.state === 'rejected');
  const conflicts = mine.filter((i) => i.state === 'conflict');
  const others = state.leaving.filter((s) => ownItems(s.userId).length);
  const counts = { visit: 0, household: 0, group_session: 0 };
  for (const item of waiting) counts[item.kind] += 1;
  return (
    <section class="page">
      <h2>{t('sync.title')}</h2>
      <p data-testid="sync-status" data-last-sync={state.meta.lastSyncAt || ''} data-running={state.sync.running ? '1' : ''}>
        {state.sync.online ? t('sync.online') : t('sync.offline_long')}
        {' · '}
        {state.meta.lastSyncAt
          ? t('sync.last', { time: formatDateTime(state.meta.lastSyncAt) })
          : t('sync.never')}
      </p>
      {state.sync.error && state.sync.online && <p class="error">{t('sync.retrying')}</p>}
      <button type="button" class="primary big" data-testid="sync-now" disabled={!state.sync.online || state.sync.running}
        onClick={() => requestSync()}>
        {state.sync.running ? t('sync.running') : t('sync.now')}
      </button>
      <h3>{t('sync.waiting_title')}</h3>
      {waiting.length ? (
        <>
          <p data-testid="waiting-summary">
            {t('sync.waiting_summary', {
              visits: counts.visit,
              households: counts.household,
              sessions: counts.group_session,
            })}
          </p>
          <ul class="plain">
            {waiting.slice(0, 50).map((item) => <li key={item.key} class="small">{describe(item)}</li>)}
          </ul>
        </>
      ) : (
        <p class="muted" data-testid="nothing-waiting">{t('sync.nothing_waiting')}</p>
      )}
      {conflicts.length > 0 && (
        <>
          <h3>{t('sync.conflicts_title')}</h3>
          <ul class="cards">{conflicts.map((item) => <Conflict key={item.key} item={item} />)}</ul>
        </>
      )}
      {rejected.length > 0 && (
        <>
          <h3>{t('sync.rejected_title')}</h3>
          <ul class="cards">{rejected.map((item) => <Rejected key={item.key} item={item} />)}</ul>
        </>
      )}
      {others.map((s) => (
        <p class="notice" key={s.userId}>
          {t('signin.leaving', { count: ownItems(s.userId).length, user: s.username })}
        </p>
      ))}
    </section>
  );
}

// Fix a rejected item in the form it was made with; it keeps its id and goes back to the queue.
export function FixItem({ itemKey }) {
  const item = state.outbox.find((i) => i.key === itemKey);
  if (!item) {
    return (
      <section class="page">
        <p class="empty">{t('sync.fixed')}</p>
        <a class="button" href="#/sync">{t('common.back')}</a>
      </section>
    );
  }
  const done = () => go('sync');
  const messages = Object.values(item.errors || {}).flat();
  return (
    <section class="page">
      <a class="back" href="#/sync">‹ {t('common.back')}</a>
      <h2>{describe(item)}</h2>
      {messages.map((message) => <p class="error" key={message}>{message}</p>)}
      {item.kind === 'visit' && (
        <VisitForm row={coachRow(item.body.household) || { id: item.body.household, missing: [] }} previous={item.body}
          onSaved={done} />
      )}
      {item.kind === 'household' && <HouseholdForm previous={item.body} onSaved={done} />}
      {item.kind === 'group_session' && <GroupForm previous={item.body} onSaved={done} />}
    </section>
  );
}
