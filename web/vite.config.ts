import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npx vite build web` builds into web/dist, which `sluice serve` serves at `/`.
// In development (`npx vite web`) the API runs on `sluice serve` (port 8080).
export default defineConfig({
  base: '/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/oauth': 'http://127.0.0.1:8080',
    },
  },
});
