// The service worker: the whole app is precached (Workbox), so it opens with no network; the UI strings
// are kept for both languages; the API is never cached (the app keeps its own data in IndexedDB).
import { clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { warmStrategyCache } from 'workbox-recipes';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { StaleWhileRevalidate } from 'workbox-strategies';
import { pushBody, sendableItems } from './wire.js';

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

registerRoute(new NavigationRoute(createHandlerBoundToURL('/app/index.html'), { allowlist: [/^\/app\/?$/, /^\/app\/index\.html$/] }));

// The files above carry WhiteNoise's Vary: Accept-Encoding, which never gets in the way: the precache
// stores and looks up its own requests, and the browser adds Accept-Encoding out of their sight. The
// strings are a Django view (Vary: Accept-Language from the locale middleware) named by their language:
// any copy answers.
const catalogues = new StaleWhileRevalidate({ cacheName: 'cnscd-i18n', matchOptions: { ignoreVary: true } });
registerRoute(({ url }) => url.origin === self.location.origin && url.pathname.startsWith('/app/i18n/'), catalogues);
warmStrategyCache({ urls: ['/app/i18n/vi.json', '/app/i18n/en.json'], strategy: catalogues });

// Background Sync (issue 22 §6): the app registers "cnscd-push" when something waits and it could not send
// (sync.js registerBackgroundSync); the browser wakes this worker when the network is back, even with the
// app closed, and the worker sends the signed-in volunteer's waiting items as the app would. It changes
// nothing on the phone: every item stays in the queue until the app settles it, and the app's next push is
// answered "duplicate" for what got through here (the server stores everything once). Browsers without
// Background Sync never fire the event; the app sends the queue when it opens.
const PUSH_LIMIT = 500;

function openData() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open('cnscd-phone');
    // No database yet: nothing to send (and nothing to create here; the app owns the schema).
    request.onupgradeneeded = () => request.transaction.abort();
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => resolve(null);
    request.onblocked = () => reject(new Error('blocked'));
  });
}

function all(db, store) {
  return new Promise((resolve, reject) => {
    const request = db.transaction(store, 'readonly').objectStore(store).getAll();
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function pushQueue() {
  const db = await openData();
  if (!db) return;
  try {
    const [sessions, outbox, meta] = await Promise.all([all(db, 'sessions'), all(db, 'outbox'), all(db, 'meta')]);
    const session = sessions.find((s) => s.status === 'active' && s.token && !s.needsPassword);
    if (!session) return;
    const items = sendableItems(outbox, session.userId).slice(0, PUSH_LIMIT);
    if (!items.length) return;
    const deviceId = (meta.find((row) => row.key === 'deviceId') || {}).value || '';
    const response = await fetch('/api/v1/sync/push/', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: `Token ${session.token}` },
      body: JSON.stringify(pushBody(items, deviceId)),
      credentials: 'omit',
      cache: 'no-store',
    });
    // A server error is worth another try (the browser retries a failed sync event a few times).
    if (response.status >= 500) throw new Error(`push ${response.status}`);
  } finally {
    db.close();
  }
}

self.addEventListener('sync', (event) => {
  if (event.tag !== 'cnscd-push') return;
  const run = () => pushQueue();
  // One sync at a time, with the app's own (sync.js holds the same Web Lock).
  event.waitUntil(self.navigator.locks ? self.navigator.locks.request('cnscd-sync', run) : run());
});

// The first install takes the open page at once; later versions wait for the volunteer (updates.js).
self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'SKIP_WAITING') self.skipWaiting();
});
clientsClaim();
