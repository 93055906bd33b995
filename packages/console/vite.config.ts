import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

/**
 * The console is static files under /console/ (S3 behind CloudFront in AWS, the local API
 * server locally); the API is the same origin, so there is no CORS and no API URL to configure.
 * Preact stands in for React (the preset aliases react and react-dom to preact/compat), so
 * TanStack Table's React adapter runs on it.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  plugins: [preact()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The budget is checked on the gzipped size of what the first page loads (npm run bench, the tests).
    reportCompressedSize: false,
    sourcemap: true,
  },
});
