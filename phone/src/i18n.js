// UI strings come from the product's own gettext catalogues: Django serves /app/i18n/<lang>.json
// (phoneapp/catalogue.py lists the strings; locale/en holds the English). The service worker keeps both
// languages, so the switch works offline. Vietnamese is the default; the choice is kept on the device.
const KEY = 'cnscd.lang';
export const LANGS = ['vi', 'en'];
// Each language in its own name, whatever the current one: the way back is always readable.
export const LANG_NAMES = { vi: 'Tiếng Việt', en: 'English' };

let strings = {};
let lang = 'vi';
// The server's push rules (core/record_spec.phone_rules), served with the strings: rules.js reads them.
let rules = null;

export function storedLang() {
  try {
    return localStorage.getItem(KEY) === 'en' ? 'en' : 'vi';
  } catch {
    return 'vi';
  }
}

export function currentLang() {
  return lang;
}

export async function loadCatalogue(wanted) {
  const response = await fetch(`/app/i18n/${wanted}.json`);
  if (!response.ok) throw new Error(`catalogue ${wanted}: ${response.status}`);
  const data = await response.json();
  strings = data.strings;
  rules = data.rules || rules;
  lang = wanted;
  document.documentElement.lang = wanted;
}

export async function switchLang(wanted) {
  await loadCatalogue(wanted);
  try {
    localStorage.setItem(KEY, wanted);
  } catch {
    /* private mode: the switch lasts for this visit */
  }
}

// t('visit.save') or t('list.total', { count: 3 }) for "%(count)d" placeholders (gettext's Python format).
export function t(key, params) {
  let text = strings[key] ?? key;
  if (params) text = text.replace(/%\((\w+)\)[sd]/g, (_, name) => String(params[name] ?? ''));
  return text;
}

export function pushRules() {
  return rules;
}

export function formatDate(iso) {
  if (!iso) return '';
  const d = new Date(iso.length === 10 ? `${iso}T00:00:00` : iso);
  return d.toLocaleDateString(lang === 'en' ? 'en-GB' : 'vi-VN', { day: '2-digit', month: '2-digit', year: 'numeric' });
}

// "09:15" today, "20/11 09:15" on another day.
export function formatDateTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const locale = lang === 'en' ? 'en-GB' : 'vi-VN';
  const time = d.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
  if (d.toDateString() === new Date().toDateString()) return time;
  return `${d.toLocaleDateString(locale, { day: '2-digit', month: '2-digit' })} ${time}`;
}
