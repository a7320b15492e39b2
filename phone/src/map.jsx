// The walk map, offline (issue 22 §7): the volunteer's village outlines and households as points coloured
// by where the walk stands (coach.js rowStatus), drawn on a canvas from what the phone already holds (the
// pull's household GPS, the outlines the villages call brings). No tiles, no network, no map library. A tap
// near a point opens that household; "Tôi ở đâu" asks the phone's GPS once and marks it.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { coachRows, rowStatus } from './coach.js';
import { t } from './i18n.js';
import { state } from './store.js';
import { go } from './ui.jsx';

// "You are here" is the only blue on the map.
export const STATUS_COLOURS = { due: '#c62828', tried: '#ef8a00', never: '#6b6b6b', reached: '#2e7d32' };
const LEGEND = [
  ['due', (count) => t('map.due', { count })],
  ['tried', (count) => t('map.tried', { count })],
  ['never', (count) => t('map.never', { count })],
  ['reached', (count) => t('map.reached', { count })],
];
const PAD = 16;
const TAP = 22; // a 44 px target around each point

// Longitude and latitude to the canvas: equirectangular, scaled by the cosine of the middle latitude (a
// village is a few km across: the error is nothing), the whole walk fitted with a margin.
export function projection(bounds, width, height) {
  const [west, south, east, north] = bounds;
  const k = Math.cos((((south + north) / 2) * Math.PI) / 180);
  const spanX = Math.max((east - west) * k, 1e-6);
  const spanY = Math.max(north - south, 1e-6);
  const scale = Math.min((width - 2 * PAD) / spanX, (height - 2 * PAD) / spanY);
  const offsetX = (width - spanX * scale) / 2;
  const offsetY = (height - spanY * scale) / 2;
  return (lon, lat) => [offsetX + (lon - west) * k * scale, offsetY + (north - lat) * scale];
}

function walkBounds(villages, points) {
  let west = Infinity;
  let south = Infinity;
  let east = -Infinity;
  let north = -Infinity;
  const take = (lon, lat) => {
    if (lon < west) west = lon;
    if (lon > east) east = lon;
    if (lat < south) south = lat;
    if (lat > north) north = lat;
  };
  for (const village of villages) for (const ring of village.outline || []) for (const [lon, lat] of ring) take(lon, lat);
  for (const point of points) take(point.lon, point.lat);
  if (west === Infinity) return null;
  return [west, south, east, north];
}

// Everything drawn at once: outlines, then the points (the worst news on top). Returns the points in
// canvas pixels for the taps.
export function drawWalk(canvas, { villages, points, bounds, here }) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.fillStyle = '#f4f6f2';
  ctx.fillRect(0, 0, width, height);
  const project = projection(bounds, width, height);
  ctx.lineWidth = 2;
  ctx.strokeStyle = '#0b5c3b';
  ctx.fillStyle = 'rgba(11, 92, 59, 0.06)';
  for (const village of villages) {
    for (const ring of village.outline || []) {
      ctx.beginPath();
      ring.forEach(([lon, lat], index) => {
        const [x, y] = project(lon, lat);
        if (index) ctx.lineTo(x, y);
        else ctx.moveTo(x, y);
      });
      ctx.closePath();
      ctx.fill();
      ctx.stroke();
    }
  }
  // Each village's name above its outline.
  ctx.fillStyle = '#0b5c3b';
  ctx.font = '600 13px system-ui, sans-serif';
  ctx.textAlign = 'center';
  for (const village of villages) {
    const ring = (village.outline || [])[0];
    if (!ring) continue;
    let top = Infinity;
    let left = Infinity;
    let right = -Infinity;
    for (const [lon, lat] of ring) {
      const [x, y] = project(lon, lat);
      top = Math.min(top, y);
      left = Math.min(left, x);
      right = Math.max(right, x);
    }
    ctx.fillText(village.name, (left + right) / 2, Math.max(14, top - 6));
  }
  const placed = points.map((point) => {
    const [x, y] = project(point.lon, point.lat);
    return { ...point, x, y };
  });
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = '#fff';
  for (const status of ['reached', 'never', 'tried', 'due']) {
    ctx.fillStyle = STATUS_COLOURS[status];
    ctx.beginPath();
    for (const point of placed) {
      if (point.status !== status) continue;
      ctx.moveTo(point.x + 6, point.y);
      ctx.arc(point.x, point.y, 6, 0, 2 * Math.PI);
    }
    ctx.fill();
    ctx.stroke();
  }
  if (here) {
    const [x, y] = project(here.lon, here.lat);
    ctx.fillStyle = 'rgba(30, 99, 198, 0.25)';
    ctx.beginPath();
    ctx.arc(x, y, 16, 0, 2 * Math.PI);
    ctx.fill();
    ctx.fillStyle = '#1e63c6';
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 3;
    ctx.beginPath();
    ctx.arc(x, y, 7, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
  }
  return placed;
}

// The household nearest a tap, within a finger's reach.
export function nearest(placed, x, y) {
  let best = null;
  let bestDistance = TAP * TAP;
  for (const point of placed) {
    const distance = (point.x - x) ** 2 + (point.y - y) ** 2;
    if (distance <= bestDistance) {
      best = point;
      bestDistance = distance;
    }
  }
  return best;
}

export function WalkMap() {
  const canvas = useRef(null);
  const placed = useRef([]);
  const [here, setHere] = useState(null);
  const [where, setWhere] = useState('');
  const rows = coachRows();
  const villages = state.villages;
  const points = useMemo(
    () => rows
      .filter((row) => !row.household.moved && typeof row.household.lat === 'number' && typeof row.household.lon === 'number')
      .map((row) => ({ id: row.id, lat: row.household.lat, lon: row.household.lon, status: rowStatus(row) })),
    [rows],
  );
  const counts = useMemo(() => {
    const all = { due: 0, tried: 0, never: 0, reached: 0 };
    for (const point of points) all[point.status] += 1;
    return all;
  }, [points]);
  const bounds = useMemo(() => walkBounds(villages, points), [villages, points]);

  useLayoutEffect(() => {
    if (!canvas.current || !bounds) return;
    const started = performance.now();
    placed.current = drawWalk(canvas.current, { villages, points, bounds, here });
    // For the speed bench (bench/phone.py) and the tests: how long the drawing took, and where.
    canvas.current.dataset.drawMs = String(Math.round((performance.now() - started) * 10) / 10);
    canvas.current.dataset.bounds = bounds.join(',');
    performance.mark('map-drawn');
  }, [villages, points, bounds, here]);

  useEffect(() => {
    const redraw = () => {
      if (canvas.current && bounds) placed.current = drawWalk(canvas.current, { villages, points, bounds, here });
    };
    window.addEventListener('resize', redraw);
    return () => window.removeEventListener('resize', redraw);
  }, [villages, points, bounds, here]);

  function tap(event) {
    const box = canvas.current.getBoundingClientRect();
    const point = nearest(placed.current, event.clientX - box.left, event.clientY - box.top);
    if (point) go(`h/${point.id}`);
  }

  function locate() {
    if (!('geolocation' in navigator)) {
      setWhere(t('map.no_gps'));
      return;
    }
    setWhere(t('map.locating'));
    navigator.geolocation.getCurrentPosition(
      (position) => {
        const fix = { lat: position.coords.latitude, lon: position.coords.longitude };
        const [west, south, east, north] = bounds || [0, 0, 0, 0];
        const inside = fix.lon >= west && fix.lon <= east && fix.lat >= south && fix.lat <= north;
        setHere(fix);
        setWhere(inside ? t('map.here', { accuracy: Math.round(position.coords.accuracy) }) : t('map.outside'));
      },
      () => setWhere(t('map.no_gps')),
      { enableHighAccuracy: true, maximumAge: 30 * 1000, timeout: 30 * 1000 },
    );
  }

  const withoutGps = rows.filter((row) => !row.household.moved).length - points.length;
  return (
    <section class="page walkmap">
      <a class="back" href="#/">‹ {t('common.back')}</a>
      <h2>{t('map.title')}</h2>
      {!bounds && <p class="empty" data-testid="map-empty">{t('map.empty')}</p>}
      {bounds && (
        <canvas ref={canvas} class="walk" data-testid="walk-map" data-points={points.length} onClick={tap}
          role="img" aria-label={t('map.title')} />
      )}
      <ul class="legend" data-testid="map-legend">
        {LEGEND.map(([status, label]) => (
          <li key={status} data-status={status}>
            <span class="dot" style={`background:${STATUS_COLOURS[status]}`} aria-hidden="true" />
            {label(counts[status])}
          </li>
        ))}
      </ul>
      {withoutGps > 0 && <p class="muted small">{t('map.no_position', { count: withoutGps })}</p>}
      <button type="button" class="big" data-testid="where-am-i" onClick={locate} disabled={!bounds}>
        {t('map.where')}
      </button>
      {where && <p class="small" role="status" data-testid="where">{where}</p>}
    </section>
  );
}
