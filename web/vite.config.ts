// The web console's build. `npm run build:console` (and `npm start`, when the sources changed)
// writes web/dist, which `wecom-sync serve` serves at /. Never committed.
// `npx vite web` serves it for development, proxying /api to a running `wecom-sync serve` on :8080.
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  server: { proxy: { '/api': { target: 'http://127.0.0.1:8080', changeOrigin: true } } },
});
