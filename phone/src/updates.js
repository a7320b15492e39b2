// The service worker (src/sw.js) is registered here, not by an inline script, so the page runs under
// script-src 'self'. A new version waits until the volunteer taps "update": the queue lives in
// IndexedDB, which an update never touches, and the page reloads only after the new worker took over.
import { Workbox } from 'workbox-window';

let workbox = null;
const listeners = new Set();
export const update = { waiting: false };

export function onUpdate(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function registerWorker() {
  if (!('serviceWorker' in navigator)) return;
  workbox = new Workbox('/app/sw.js', { scope: '/app/' });
  workbox.addEventListener('waiting', () => {
    update.waiting = true;
    for (const listener of listeners) listener();
  });
  workbox.register();
}

export function applyUpdate() {
  if (!workbox) return;
  // Reload once the new worker controls the page (whoever noticed the update: this page or another).
  navigator.serviceWorker.addEventListener('controllerchange', () => window.location.reload(), { once: true });
  workbox.messageSkipWaiting();
}

export function checkForUpdate() {
  if (workbox) return workbox.update();
  return Promise.resolve();
}
