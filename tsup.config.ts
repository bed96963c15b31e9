import { defineConfig } from 'tsup';

// ESM and CommonJS builds with declarations for every entry point; no source maps are published.
export default defineConfig({
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts', otel: 'src/otel/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  sourcemap: false,
  splitting: true,
  treeshake: true,
  // import.meta.url in the CommonJS build: validateMessage loads effect on first need through it.
  shims: true,
});
