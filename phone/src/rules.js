// The server's rules at the doorstep (issue 22 §4): every limit comes from the push spec the server
// exports with the app's strings (core/record_spec.phone_rules, /app/i18n/<lang>.json), never from a copy
// written here. A check answers { field: message } in the volunteer's language, dates as dd/mm/yyyy.
import { formatDate, pushRules, t } from './i18n.js';
import { todayKey } from './ids.js';

// What the forms fall back to before the first catalogue ever arrived (never in practice: the app loads
// the strings before it draws): nothing refused here, the server still judges.
function spec(kind) {
  const rules = pushRules();
  return (rules && rules[kind]) || {};
}

export function limit(kind, field, name, fallback) {
  const rule = spec(kind)[field];
  return rule && rule[name] !== undefined ? rule[name] : fallback;
}

function text(errors, rule, field, value) {
  if (!rule) return;
  const clean = String(value || '').trim();
  if (rule.required && !clean) errors[field] = t('rule.required');
  else if (rule.max_length !== undefined && clean.normalize('NFC').length > rule.max_length) {
    errors[field] = t('rule.max_length', { count: rule.max_length });
  } else if (clean && rule.pattern && !new RegExp(rule.pattern).test(clean)) {
    errors[field] = t('rule.pattern');
  }
}

function number(errors, rule, field, value) {
  if (!rule || value === null || value === undefined) return;
  if (!(value >= rule.min && value <= rule.max)) errors[field] = t('rule.range', { low: rule.min, high: rule.max });
}

function addDays(key, days) {
  const [y, m, d] = key.split('-').map(Number);
  return todayKey(new Date(y, m - 1, d + days));
}

// An instant (ISO with offset) against the window the server accepts: from `earliest` to `max_ahead_days`
// after now. Judged by the calendar day, as the message says it.
function moment(errors, rule, field, iso, now) {
  if (!rule) return;
  const when = iso ? new Date(iso) : null;
  if (!when || Number.isNaN(when.getTime())) {
    if (rule.required) errors[field] = t('rule.required');
    return;
  }
  const day = todayKey(when);
  const latest = addDays(todayKey(now), rule.max_ahead_days);
  if (day > latest) {
    errors[field] = t('rule.date_ahead', { latest: formatDate(latest), days: rule.max_ahead_days });
  } else if (rule.earliest && day < rule.earliest) {
    errors[field] = t('rule.date_before', { earliest: formatDate(rule.earliest) });
  }
}

export function checkSession({ held_at: heldAt, services, attendees, village }, now = new Date()) {
  const rules = spec('session');
  const errors = {};
  text(errors, rules.village, 'village', village);
  moment(errors, rules.held_at, 'held_at', heldAt, now);
  const codes = rules.services;
  if (codes && services.length < codes.min_items) {
    errors.services = codes.min_items === 1 ? t('group.services_required') : t('rule.items', { low: codes.min_items, high: codes.max_items });
  } else if (codes && services.length > codes.max_items) {
    errors.services = t('rule.items', { low: codes.min_items, high: codes.max_items });
  }
  number(errors, rules.attendees, 'attendees', attendees);
  return errors;
}

export function checkVisit({ help, notes }) {
  const rules = spec('visit');
  const errors = {};
  const helpRule = rules.help;
  if (helpRule && help.length > helpRule.max_items) errors.help = t('rule.help_items', { count: helpRule.max_items });
  const people = helpRule && helpRule.fields && helpRule.fields.people;
  if (people && help.some((h) => !(h.people >= people.min && h.people <= people.max))) {
    errors.help = t('rule.range', { low: people.min, high: people.max });
  }
  text(errors, rules.notes, 'notes', notes);
  return errors;
}

export function checkHousehold(values) {
  const rules = spec('household');
  const errors = {};
  for (const field of ['village', 'label', 'head_name', 'phone']) text(errors, rules[field], field, values[field]);
  if (errors.phone === t('rule.pattern')) errors.phone = t('household.phone_digits');
  if (errors.label === t('rule.required')) errors.label = t('household.label_required');
  number(errors, rules.members, 'members', values.members);
  number(errors, rules.working_age, 'working_age', values.working_age);
  if (!errors.working_age && values.working_age > values.members) errors.working_age = t('household.working_age_too_big');
  return errors;
}

// After a refused save: the first field named is brought into view and given the focus, so the message
// beside it is seen (a small screen would otherwise hide it under the keyboard or below the fold).
export function showFirstError(form, errors) {
  const first = Object.keys(errors)[0];
  if (!first || !form) return;
  requestAnimationFrame(() => {
    const box = form.querySelector(`[data-field="${first}"]`);
    if (!box) return;
    box.scrollIntoView({ block: 'center' });
    const control = box.querySelector('input, select, textarea, button');
    if (control) control.focus({ preventScroll: true });
  });
}
