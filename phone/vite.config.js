// The phone app is served by Django at /app/ (WhiteNoise, phoneapp/middleware.py). Everything it loads
// comes from the product's own origin: the service worker precaches the build so the app opens with no
// network.
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

export default defineConfig({
  base: '/app/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    sourcemap: false,
    // One small bundle: a cheap phone on a slow link pays a round trip per file.
    modulePreload: { polyfill: false },
  },
  plugins: [
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.js',
      scope: '/app/',
      base: '/app/',
      // We register the worker ourselves (src/updates.js): no inline script, so it runs under our CSP.
      injectRegister: false,
      manifestFilename: 'manifest.webmanifest',
      includeAssets: ['icons/icon.svg'],
      manifest: {
        id: '/app/',
        name: 'Tổ công nghệ số cộng đồng',
        short_name: 'Tổ CNSCĐ',
        description: 'Ghi lượt thăm hộ, hướng dẫn dịch vụ số, đồng bộ khi có mạng.',
        lang: 'vi',
        start_url: '/app/',
        scope: '/app/',
        display: 'standalone',
        orientation: 'portrait',
        background_color: '#ffffff',
        theme_color: '#0b5c3b',
        icons: [
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
        ],
      },
      injectManifest: {
        globPatterns: ['**/*.{js,css,html,png,svg,webmanifest}'],
        // The worker itself is never precached; the browser checks it for updates.
        globIgnores: ['sw.js'],
        minify: true,
        sourcemap: false,
      },
    }),
  ],
});
