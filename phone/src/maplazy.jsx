// The walk map's code (map.jsx) is its own file, fetched when the screen first opens: the first load of the
// app stays as small as before. The service worker precaches it with the rest, so it opens offline too.
import { useEffect, useState } from 'preact/hooks';

let loaded = null;

export function WalkMapScreen() {
  const [Screen, setScreen] = useState(() => loaded);
  useEffect(() => {
    if (Screen) return;
    import('./map.jsx').then((module) => {
      loaded = module.WalkMap;
      setScreen(() => loaded);
    });
  }, []);
  return Screen ? <Screen /> : <section class="page" aria-busy="true" />;
}
