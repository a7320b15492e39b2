// GPS in the background: forms start watching when they open and take whatever fix is there when the
// volunteer saves. Nothing ever waits for it. Fixes outside Vietnam's box (the server refuses them) or
// older than two minutes are not attached.
const LAT = [6.0, 23.5];
const LON = [102.0, 117.5];
const FRESH_MS = 2 * 60 * 1000;

let latest = null;
let watchId = null;
let users = 0;
const listeners = new Set();

export function onFix(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function startGps() {
  users += 1;
  if (watchId !== null || !('geolocation' in navigator)) return;
  try {
    watchId = navigator.geolocation.watchPosition(
      (position) => {
        const { latitude, longitude, accuracy } = position.coords;
        latest = { lat: latitude, lon: longitude, accuracy_m: Math.round(accuracy * 10) / 10, at: Date.now() };
        for (const listener of listeners) listener(latest);
      },
      () => {},
      { enableHighAccuracy: true, maximumAge: 60 * 1000, timeout: 60 * 1000 },
    );
  } catch {
    watchId = null;
  }
}

export function stopGps() {
  users = Math.max(0, users - 1);
  if (users === 0 && watchId !== null) {
    navigator.geolocation.clearWatch(watchId);
    watchId = null;
  }
}

export function currentFix() {
  if (!latest || Date.now() - latest.at > FRESH_MS) return null;
  const { lat, lon } = latest;
  if (lat < LAT[0] || lat > LAT[1] || lon < LON[0] || lon > LON[1]) return null;
  const accuracy = latest.accuracy_m >= 0 && latest.accuracy_m <= 10000 ? latest.accuracy_m : null;
  return { lat: Math.round(lat * 1e6) / 1e6, lon: Math.round(lon * 1e6) / 1e6, accuracy_m: accuracy };
}
