import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: {
      '@wiremachine/examples/protocols': fileURLToPath(new URL('./examples/src/protocols', import.meta.url)),
      '@wiremachine/core/testing': fileURLToPath(new URL('./packages/core/src/testing/index.ts', import.meta.url)),
      '@wiremachine/core': fileURLToPath(new URL('./packages/core/src/index.ts', import.meta.url)),
      '@wiremachine/protocols/tracker': fileURLToPath(
        new URL('./packages/protocols/src/tracker/index.ts', import.meta.url),
      ),
      '@wiremachine/protocols/http1': fileURLToPath(
        new URL('./packages/protocols/src/http1/index.ts', import.meta.url),
      ),
      '@wiremachine/protocols': fileURLToPath(new URL('./packages/protocols/src/index.ts', import.meta.url)),
      '@wiremachine/transports/node': fileURLToPath(
        new URL('./packages/transports/src/node/index.ts', import.meta.url),
      ),
      '@wiremachine/transports': fileURLToPath(new URL('./packages/transports/src/index.ts', import.meta.url)),
      '@wiremachine/tracker': fileURLToPath(new URL('./packages/tracker/src/index.ts', import.meta.url)),
      '@wiremachine/http': fileURLToPath(new URL('./packages/http/src/index.ts', import.meta.url)),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/test/**/*.test.ts', 'fuzz/test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
