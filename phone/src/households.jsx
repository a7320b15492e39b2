// The household list (the coach's order, searchable), one household with its visit form, and the
// household form (new or edit).
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { recentVisit, saveHousehold, saveVisit } from './actions.js';
import { coachRow, coachRows, dayCounts, searchRows } from './coach.js';
import { currentFix, onFix, startGps, stopGps } from './geo.js';
import { formatDate, formatDateTime, t } from './i18n.js';
import { todayKey } from './ids.js';
import { returnDateOf, setReturnDate } from './returns.js';
import { checkHousehold, checkVisit, limit, showFirstError } from './rules.js';
import { draftRead, draftWrite, reviewOf, state } from './store.js';
import { FieldError, Stepper, leaveForm, toast } from './ui.jsx';

const PAGE = 40;
// Where the list was scrolled when the volunteer opened a household: back there on return; and the
// village it was narrowed to.
let listScroll = 0;
let listVillage = '';
export const OUTCOMES = ['met', 'not_home', 'come_back', 'refused', 'moved'];
// Tried but not met: the door to knock on again, with an optional day to come back.
const TRIED = ['not_home', 'come_back'];
const RESULTS = ['done', 'pending', 'failed'];

// "A; B; C and 7 more": the list stays short on a small screen.
function shortList(names) {
  if (!names.length) return '—';
  if (names.length <= 3) return names.join('; ');
  return `${names.slice(0, 3).join('; ')} ${t('household.and_more', { count: names.length - 3 })}`;
}

function serviceName(code) {
  const service = state.serviceByCode.get(code);
  return service ? service.name : code;
}

// What the commune leader made of the volunteer's latest flagged visit here (issue 21 §1).
export function ReviewTag({ review, block = false }) {
  if (!review) return null;
  const text = review.state === 'rejected'
    ? t('review.rejected', { reason: review.reason })
    : t(`review.${review.state === 'confirmed' ? 'confirmed' : 'held'}`);
  return (
    <span class={`tag review ${review.state}${block ? ' block' : ''}`} data-testid="review" data-state={review.state}>
      {text}
    </span>
  );
}

function Badges({ row }) {
  // In the list only what still needs attention (held, or not counted); a confirmation shows on the
  // household and the sync screen.
  const review = reviewOf(row.id);
  return (
    <span class="badges">
      {review && review.state !== 'confirmed' && <ReviewTag review={review} />}
      {row.followups.map((f) => (
        <span key={f.service} class={row.due && f.due <= row.due ? 'tag due' : 'tag follow'} data-testid="followup">
          {t('list.followup', { service: serviceName(f.service), date: formatDate(f.due) })}
        </span>
      ))}
      {row.localPending.map((code) => (
        <span key={code} class="tag follow">{t('list.pending_local', { service: serviceName(code) })}</span>
      ))}
      {row.household.moved && <span class="tag">{t('list.moved')}</span>}
      {row.tried && (
        <span class="tag tried" data-testid="tried">
          {t('list.tried', { outcome: t(`outcome.${row.lastOutcome}`), date: formatDateTime(row.lastVisit) })}
        </span>
      )}
      {row.returnOn && (
        <span class={row.returnOn <= todayKey() ? 'tag due' : 'tag tried'} data-testid="return-on">
          {t('list.return_on', { date: formatDate(row.returnOn) })}
        </span>
      )}
      {!row.visited && !row.household.moved && <span class="tag new">{t('list.never_visited')}</span>}
      {row.visited && row.missing.length > 0 && !row.household.moved && (
        <span class="tag">{t('list.missing', { count: row.missing.length })}</span>
      )}
      {(row.isNew || row.pendingEdit || row.visitedHere > 0) && <span class="tag wait">{t('list.waiting')}</span>}
    </span>
  );
}

export function HouseholdList() {
  const [query, setQuery] = useState('');
  const [village, setVillage] = useState(listVillage);
  const [shown, setShown] = useState(PAGE);
  const sentinel = useRef(null);
  const all = coachRows();
  const rows = useMemo(() => (village ? all.filter((r) => r.household.village === village) : all), [all, village]);
  const found = useMemo(() => searchRows(rows, query), [rows, query]);
  useEffect(() => {
    if (!sentinel.current || !('IntersectionObserver' in window)) return undefined;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) setShown((n) => n + PAGE);
    }, { rootMargin: '400px' });
    observer.observe(sentinel.current);
    return () => observer.disconnect();
  }, [found.length > shown]);
  useLayoutEffect(() => {
    // For the speed bench: when the list was last drawn.
    performance.mark('list-rendered');
  });
  useLayoutEffect(() => {
    window.scrollTo(0, listScroll);
    return () => {
      listScroll = window.scrollY;
    };
  }, []);
  const visible = found.slice(0, shown);
  return (
    <section class="page list">
      <div class="searchbar">
        <input type="search" name="q" placeholder={t('list.search')} aria-label={t('list.search')} value={query}
          onInput={(e) => { setQuery(e.currentTarget.value); setShown(PAGE); window.scrollTo(0, 0); }} />
        <a class="button primary" href="#/new">{t('list.add')}</a>
      </div>
      <a class="button maplink" href="#/map" data-testid="map-link">{t('map.open')}</a>
      {state.villages.length > 1 && (
        <select name="village-filter" class="filter" aria-label={t('list.village_filter')} value={village}
          onChange={(e) => {
            listVillage = e.currentTarget.value;
            setVillage(listVillage);
            setShown(PAGE);
            window.scrollTo(0, 0);
          }}>
          <option value="">{t('list.all_villages')}</option>
          {state.villages.map((v) => <option key={v.code} value={v.code}>{v.name}</option>)}
        </select>
      )}
      <DayCounts rows={rows} />
      <p class="muted small" data-testid="list-count">
        {query ? t('list.found', { count: found.length, total: rows.length }) : t('list.total', { count: rows.length })}
      </p>
      {!rows.length && <p class="empty">{state.meta.lastSyncAt ? t('list.empty') : t('list.first_sync')}</p>}
      <ul class="households" data-testid="households">
        {visible.map((row) => (
          <li key={row.id}>
            <a href={`#/h/${row.id}`} class="row" data-household={row.id}>
              <span class="label">{row.household.label}</span>
              <span class="sub">
                {[row.household.head_name, row.villageName].filter(Boolean).join(' · ')}
              </span>
              <Badges row={row} />
            </a>
          </li>
        ))}
      </ul>
      {found.length > shown && (
        <button ref={sentinel} type="button" class="more" onClick={() => setShown((n) => n + PAGE)}>
          {t('list.more', { count: found.length - shown })}
        </button>
      )}
    </section>
  );
}

// Today's and this week's households, and each village's households reached: the day's truth, offline.
function DayCounts({ rows }) {
  const counts = useMemo(() => dayCounts(rows), [rows]);
  return (
    <div class="daycounts" data-testid="day-counts">
      <p class="small">
        <span data-testid="count-today">{t('list.today', { count: counts.today })}</span>
        {' · '}
        <span data-testid="count-week">{t('list.week', { count: counts.week })}</span>
      </p>
      <ul class="progress">
        {counts.villages.map((v) => (
          <li key={v.code} data-testid="village-progress" data-village={v.code}>
            <span class="name">{v.name}</span>
            <span class="bar" aria-hidden="true"><span style={`width:${v.total ? Math.round((100 * v.reached) / v.total) : 0}%`} /></span>
            <span class="figure">{t('list.reached', { reached: v.reached, total: v.total })}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function Guide({ code, open = false }) {
  const service = state.serviceByCode.get(code);
  if (!service) return null;
  return (
    <details class="guide" open={open}>
      <summary>{service.name}</summary>
      <ol>
        {(service.guide || []).map((step, index) => <li key={index}>{step}</li>)}
      </ol>
    </details>
  );
}

function GpsLine({ fix }) {
  return (
    <p class="muted small gps" data-testid="gps">
      {fix ? t('gps.fix', { accuracy: Math.round(fix.accuracy_m ?? 0) }) : t('gps.waiting')}
    </p>
  );
}

export function useGps() {
  const [fix, setFix] = useState(currentFix());
  useEffect(() => {
    startGps();
    const off = onFix(() => setFix(currentFix()));
    return () => {
      off();
      stopGps();
    };
  }, []);
  return fix;
}

// A new visit's form is kept as a draft while it is filled (per household), so a reload, a call or a
// closed browser loses nothing; saving or "clear" ends the draft. Editing a waiting visit keeps no draft.
function visitDraft(row, previous) {
  if (previous || !row) return null;
  return draftRead(`visit.${row.id}`);
}

export function VisitForm({ row, previous, onSaved }) {
  const [start] = useState(() => previous || visitDraft(row, previous));
  const [restored, setRestored] = useState(Boolean(start && !previous));
  const [outcome, setOutcome] = useState(start ? start.outcome : 'met');
  const [help, setHelp] = useState(
    () => new Map((start ? start.help : []).map((h) => [h.service, { result: h.result, people: h.people }])),
  );
  const [notes, setNotes] = useState(start ? start.notes : '');
  const [returnOn, setReturnOn] = useState(() => (start && start.return_on) || (row ? returnDateOf(row.id) : ''));
  const [errors, setErrors] = useState({});
  const form = useRef(null);
  const [busy, setBusy] = useState(false);
  const [repeat, setRepeat] = useState(null);
  const fix = useGps();
  const missing = new Set(row ? row.missing : []);
  const codes = [
    ...state.services.filter((s) => missing.has(s.code)),
    ...state.services.filter((s) => !missing.has(s.code)),
  ];
  const helpList = () => [...help].map(([service, h]) => ({ service, ...h }));

  // Written as soon as the form draws (a layout effect): a reload right after a tap keeps that tap.
  useLayoutEffect(() => {
    if (previous || !row) return;
    const blank = outcome === 'met' && help.size === 0 && !notes.trim();
    draftWrite(`visit.${row.id}`, blank ? null : { outcome, help: helpList(), notes, return_on: returnOn });
  }, [outcome, help, notes, returnOn]);

  function clearDraft() {
    setOutcome('met');
    setHelp(new Map());
    setNotes('');
    setReturnOn('');
    setRestored(false);
  }

  function toggle(code) {
    const next = new Map(help);
    if (next.has(code)) next.delete(code);
    else next.set(code, { result: 'done', people: 1 });
    setHelp(next);
  }

  function change(code, changes) {
    const next = new Map(help);
    next.set(code, { ...next.get(code), ...changes });
    setHelp(next);
  }

  async function store() {
    setBusy(true);
    setRepeat(null);
    const items = outcome === 'met' ? helpList() : [];
    // Kept on this phone only (returns.js), before the visit redraws the list; a door answered forgets it.
    setReturnDate(row.id, TRIED.includes(outcome) ? returnOn : '');
    await saveVisit({
      household: row.id, label: row.household && row.household.label, outcome, help: items, notes, previous,
    });
    if (!previous) draftWrite(`visit.${row.id}`, null);
    toast(t('visit.saved'));
    if (onSaved) onSaved();
    else leaveForm('');
  }

  async function submit(event) {
    event.preventDefault();
    const refused = checkVisit({ help: outcome === 'met' ? helpList() : [], notes });
    if (TRIED.includes(outcome) && returnOn && returnOn < todayKey()) {
      refused.return_on = t('visit.return_past', { date: formatDate(todayKey()) });
    }
    setErrors(refused);
    if (Object.keys(refused).length) {
      showFirstError(form.current, refused);
      return;
    }
    // A second visit to the same door within minutes is usually a double tap or a retry: ask first.
    const recent = previous ? null : recentVisit(row.id);
    if (recent && !repeat) {
      setRepeat(recent);
      return;
    }
    await store();
  }

  return (
    <form class="visit" onSubmit={submit} ref={form} noValidate>
      {restored && (
        <p class="banner info small" data-testid="draft-restored">
          <span>{t('visit.draft_restored')}</span>
          <button type="button" onClick={clearDraft}>{t('visit.draft_clear')}</button>
        </p>
      )}
      <h3>{t('visit.outcome')}</h3>
      <div class="choices" role="radiogroup" aria-label={t('visit.outcome')}>
        {OUTCOMES.map((code) => (
          <button type="button" key={code} role="radio" aria-checked={outcome === code}
            class={outcome === code ? 'choice on' : 'choice'} onClick={() => setOutcome(code)}>
            {t(`outcome.${code}`)}
          </button>
        ))}
      </div>
      {TRIED.includes(outcome) && (
        <label data-field="return_on" class="returnon">
          {t('visit.return_on')}
          <input type="date" name="return_on" value={returnOn} min={todayKey()}
            onInput={(e) => { setReturnOn(e.currentTarget.value); setErrors(({ return_on: _, ...rest }) => rest); }} />
          {returnOn && <span class="muted small" data-testid="return-on-shown">{formatDate(returnOn)}</span>}
          <FieldError errors={errors} field="return_on" />
        </label>
      )}
      {outcome === 'met' && (
        <div data-field="help">
          <h3>{t('visit.services')}</h3>
          <FieldError errors={errors} field="help" />
          <ul class="services">
            {codes.map((service) => {
              const chosen = help.get(service.code);
              return (
                <li key={service.code} class={chosen ? 'on' : ''}>
                  <button type="button" class="service" aria-pressed={Boolean(chosen)} data-service={service.code}
                    onClick={() => toggle(service.code)}>
                    <span class="tick" aria-hidden="true">{chosen ? '✓' : '+'}</span>
                    <span>{service.name}</span>
                    {missing.has(service.code) && missing.size < codes.length && !chosen && (
                      <span class="tag">{t('visit.missing')}</span>
                    )}
                  </button>
                  {chosen && (
                    <div class="detail">
                      <div class="segmented" role="radiogroup" aria-label={t('visit.result')}>
                        {RESULTS.map((result) => (
                          <button type="button" key={result} role="radio" aria-checked={chosen.result === result}
                            class={chosen.result === result ? 'on' : ''} data-result={result}
                            onClick={() => change(service.code, { result })}>
                            {t(`result.${result}`)}
                          </button>
                        ))}
                      </div>
                      <label class="inline">
                        {t('visit.people')}
                        <Stepper value={chosen.people} min={limit('visit', 'help', 'fields', {}).people?.min ?? 1}
                          max={limit('visit', 'help', 'fields', {}).people?.max ?? Infinity} label={t('visit.people')}
                          onChange={(people) => change(service.code, { people })} />
                      </label>
                    </div>
                  )}
                </li>
              );
            })}
          </ul>
        </div>
      )}
      <details class="notes" open={Boolean(notes) || Boolean(errors.notes)} data-field="notes">
        <summary>{t('visit.notes')}</summary>
        <textarea name="notes" maxLength={limit('visit', 'notes', 'max_length', undefined)} rows={3} value={notes}
          onInput={(e) => setNotes(e.currentTarget.value)} />
        <FieldError errors={errors} field="notes" />
      </details>
      {!previous && <GpsLine fix={fix} />}
      {repeat && (
        <div class="banner warn sticky" role="alertdialog" data-testid="repeat-warning">
          <strong>{t('visit.repeat_title', { time: formatDateTime(repeat.at), outcome: t(`outcome.${repeat.outcome}`) })}</strong>
          <span>{t('visit.repeat_lead')}</span>
          <button type="button" class="primary" onClick={store} disabled={busy}>{t('visit.repeat_save')}</button>
          {repeat.item && repeat.item.state === 'waiting' && (
            <a class="button" href={`#/fix/${encodeURIComponent(repeat.item.key)}`}>{t('visit.repeat_edit')}</a>
          )}
          <button type="button" onClick={() => setRepeat(null)}>{t('common.cancel')}</button>
        </div>
      )}
      {!repeat && (
        <button type="submit" class="primary big sticky" disabled={busy} data-testid="save-visit">
          {t('visit.save')}
        </button>
      )}
    </form>
  );
}

export function HouseholdScreen({ id }) {
  const row = coachRow(id);
  if (!row) {
    return (
      <section class="page">
        <p class="empty">{t('household.gone')}</p>
        <a class="button" href="#/">{t('common.back')}</a>
      </section>
    );
  }
  const h = row.household;
  const next = row.followups.length ? row.followups[0].service : row.missing[0];
  return (
    <section class="page household">
      <a class="back" href="#/">‹ {t('common.back')}</a>
      <h2>{h.label}</h2>
      <p class="sub">
        {[h.head_name, row.villageName, t('household.members', { count: h.members })].filter(Boolean).join(' · ')}
        {h.phone && <> · <a class="tel" href={`tel:${h.phone}`}>{h.phone}</a></>}
      </p>
      <p class="small">
        {row.lastVisit
          ? t('household.last_visit', { date: formatDate(row.lastVisit), outcome: t(`outcome.${row.lastOutcome}`) })
          : t('list.never_visited')}
      </p>
      <ReviewTag review={reviewOf(id)} block />
      {row.followups.map((f) => (
        <p key={f.service} class="tag follow block" data-testid="followup">
          {t('list.followup', { service: serviceName(f.service), date: formatDate(f.due) })}
        </p>
      ))}
      <VisitForm row={row} />
      <div class="summary">
        <div>
          <h3>{t('household.done')}</h3>
          <p>{row.done.length ? row.done.map(serviceName).join('; ') : '—'}</p>
        </div>
        <div>
          <h3>{t('household.missing')}</h3>
          <p>{shortList(row.missing.map(serviceName))}</p>
        </div>
      </div>
      {next && (
        <>
          <h3>{t('household.next_guide')}</h3>
          <Guide code={next} />
        </>
      )}
      <a class="button big" href={`#/h/${id}/edit`}>{t('household.edit')}</a>
    </section>
  );
}

export function HouseholdForm({ id, previous, onSaved }) {
  const existing = id ? coachRow(id) : null;
  if (id && !existing) {
    // Never fall back to a blank form here: saving it would register a new household.
    return (
      <section class="page">
        <p class="empty">{t('household.gone')}</p>
        <a class="button" href="#/">{t('common.back')}</a>
      </section>
    );
  }
  return <HouseholdFields start={previous || (existing ? existing.household : null)} onSaved={onSaved} />;
}

// A new household's form is kept as a draft too (one at a time); an edit starts from the record.
function HouseholdFields({ start: record, onSaved }) {
  const [draft] = useState(() => (record ? null : draftRead('household.new')));
  const start = record || draft;
  const [village, setVillage] = useState(start ? start.village : state.villages[0]?.code || '');
  const [label, setLabel] = useState(start ? start.label : '');
  const [members, setMembers] = useState(start ? start.members : 1);
  const [workingAge, setWorkingAge] = useState(start ? start.working_age : 0);
  const [consent, setConsent] = useState(start ? start.consent : false);
  const [headName, setHeadName] = useState(start ? start.head_name || '' : '');
  const [phone, setPhone] = useState(start ? start.phone || '' : '');
  const [errors, setErrors] = useState({});
  const form = useRef(null);
  useGps();
  useLayoutEffect(() => {
    if (record) return;
    const typed = label.trim() || headName.trim() || phone.trim();
    draftWrite('household.new', typed ? {
      village, label, members, working_age: workingAge, consent, head_name: headName, phone,
    } : null);
  }, [village, label, members, workingAge, consent, headName, phone]);

  async function submit(event) {
    event.preventDefault();
    const refused = checkHousehold({
      village, label, members, working_age: workingAge, head_name: consent ? headName : '', phone: consent ? phone : '',
    });
    setErrors(refused);
    if (Object.keys(refused).length) return showFirstError(form.current, refused);
    const body = await saveHousehold({
      id: record ? record.id : null,
      village,
      label,
      head_name: headName,
      phone,
      members,
      working_age: workingAge,
      consent,
    });
    if (!record) draftWrite('household.new', null);
    toast(t('household.saved'));
    if (onSaved) onSaved();
    else leaveForm(`h/${body.id}`);
  }

  return (
    <section class="page">
      <a class="back" href={record ? `#/h/${record.id}` : '#/'}>‹ {t('common.back')}</a>
      <h2>{record ? t('household.edit') : t('household.new')}</h2>
      <form class="stack" onSubmit={submit} ref={form} noValidate>
        <label data-field="village">
          {t('household.village')}
          <select name="village" value={village} onChange={(e) => setVillage(e.currentTarget.value)}>
            {state.villages.map((v) => <option key={v.code} value={v.code}>{v.name}</option>)}
          </select>
          <FieldError errors={errors} field="village" />
        </label>
        <label data-field="label">
          {t('household.label')}
          <input name="label" required maxLength={limit('household', 'label', 'max_length', undefined)} value={label}
            placeholder={t('household.label_hint')} onInput={(e) => setLabel(e.currentTarget.value)} />
          <FieldError errors={errors} field="label" />
        </label>
        <label class="inline" data-field="members">
          {t('household.members_label')}
          <Stepper name="members" value={members} min={limit('household', 'members', 'min', 1)}
            max={limit('household', 'members', 'max', Infinity)} label={t('household.members_label')} onChange={setMembers} />
          <FieldError errors={errors} field="members" />
        </label>
        <label class="inline" data-field="working_age">
          {t('household.working_age')}
          <Stepper name="working_age" value={workingAge} min={limit('household', 'working_age', 'min', 0)}
            max={limit('household', 'working_age', 'max', Infinity)} label={t('household.working_age')} onChange={setWorkingAge} />
          <FieldError errors={errors} field="working_age" />
        </label>
        <label class="check">
          <input type="checkbox" name="consent" checked={consent} onChange={(e) => setConsent(e.currentTarget.checked)} />
          <span>{t('household.consent')}</span>
        </label>
        <label data-field="head_name">
          {t('household.head_name')}
          <input name="head_name" maxLength={limit('household', 'head_name', 'max_length', undefined)} disabled={!consent}
            value={consent ? headName : ''} onInput={(e) => setHeadName(e.currentTarget.value)} />
          <FieldError errors={errors} field="head_name" />
        </label>
        <label data-field="phone">
          {t('household.phone')}
          <input name="phone" type="tel" maxLength={limit('household', 'phone', 'max_length', undefined)} disabled={!consent}
            value={consent ? phone : ''} onInput={(e) => setPhone(e.currentTarget.value)} />
          <FieldError errors={errors} field="phone" />
        </label>
        {!consent && <p class="muted small">{t('household.consent_hint')}</p>}
        <button type="submit" class="primary big" data-testid="save-household">{t('household.save')}</button>
      </form>
    </section>
  );
}
