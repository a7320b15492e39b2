// A group session at the village hall (counted by attendance), and the handbook: every service's
// step-by-step guide, readable offline.
import { useState } from 'preact/hooks';
import { saveGroupSession } from './actions.js';
import { Guide, useGps } from './households.jsx';
import { fromInputValue, toInputValue } from './ids.js';
import { t } from './i18n.js';
import { state } from './store.js';
import { Stepper, leaveForm, toast } from './ui.jsx';

export function GroupForm({ previous, onSaved }) {
  const [village, setVillage] = useState(previous ? previous.village : state.villages[0]?.code || '');
  const [heldAt, setHeldAt] = useState(toInputValue(previous ? previous.held_at : null));
  const [services, setServices] = useState(new Set(previous ? previous.services : []));
  const [attendees, setAttendees] = useState(previous ? previous.attendees : 10);
  const [error, setError] = useState('');
  useGps();

  function toggle(code) {
    const next = new Set(services);
    if (next.has(code)) next.delete(code);
    else next.add(code);
    setServices(next);
  }

  async function submit(event) {
    event.preventDefault();
    if (!services.size) return setError(t('group.services_required'));
    await saveGroupSession({ previous, village, held_at: fromInputValue(heldAt), services: [...services], attendees });
    toast(t('group.saved'));
    if (onSaved) onSaved();
    else leaveForm('');
  }

  return (
    <section class="page">
      <h2>{t('group.title')}</h2>
      <p class="muted small">{t('group.lead')}</p>
      <form class="stack" onSubmit={submit}>
        <label>
          {t('household.village')}
          <select name="village" value={village} onChange={(e) => setVillage(e.currentTarget.value)}>
            {state.villages.map((v) => <option key={v.code} value={v.code}>{v.name}</option>)}
          </select>
        </label>
        <label>
          {t('group.held_at')}
          <input type="datetime-local" name="held_at" value={heldAt} onInput={(e) => setHeldAt(e.currentTarget.value)} />
        </label>
        <label class="inline">
          {t('group.attendees')}
          <Stepper name="attendees" value={attendees} min={1} max={2000} label={t('group.attendees')} onChange={setAttendees} />
        </label>
        <h3>{t('group.services')}</h3>
        <ul class="services">
          {state.services.map((service) => (
            <li key={service.code} class={services.has(service.code) ? 'on' : ''}>
              <button type="button" class="service" aria-pressed={services.has(service.code)} data-service={service.code}
                onClick={() => toggle(service.code)}>
                <span class="tick" aria-hidden="true">{services.has(service.code) ? '✓' : '+'}</span>
                <span>{service.name}</span>
              </button>
            </li>
          ))}
        </ul>
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" class="primary big sticky" data-testid="save-group">{t('group.save')}</button>
      </form>
    </section>
  );
}

export function Handbook() {
  const categories = new Map();
  for (const service of state.services) {
    const list = categories.get(service.category) || [];
    list.push(service);
    categories.set(service.category, list);
  }
  return (
    <section class="page">
      <h2>{t('guide.title')}</h2>
      <p class="muted small">{t('guide.lead')}</p>
      {!state.services.length && <p class="empty">{t('list.first_sync')}</p>}
      {[...categories].map(([category, services]) => (
        <div key={category}>
          <h3>{category}</h3>
          {services.map((service) => <Guide key={service.code} code={service.code} />)}
        </div>
      ))}
    </section>
  );
}
