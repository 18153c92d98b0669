// Builds the browser files into dist/: the beacon s.js, its add-ons links.js (link clicks) and consent.js
// with consent.css (banner and opt-out element); and the admin console's console.js (with Chart.js) and
// console.css (docs/console.md).
// esbuild bundles; terser then minifies the beacon harder than esbuild can (several compress passes),
// which is what keeps it inside its 2.5 KB gzipped budget (tests/frontend/test_size.py).
// Run by `make run` / `make test` (and by the browser tests' fixture) after `npm ci`.
import { build } from 'esbuild';
import { writeFile } from 'node:fs/promises';
import { minify } from 'terser';

const common = { bundle: true, target: ['es2020'], legalComments: 'none', logLevel: 'warning' };

async function script(entry, out) {
  const bundled = await build({ ...common, entryPoints: [entry], format: 'iife', write: false });
  const { code } = await minify(bundled.outputFiles[0].text, {
    ecma: 2020,
    toplevel: true,
    compress: { passes: 3, unsafe_arrows: true, pure_getters: true },
    // Internal method names end in "_" (t.ev_, out.add_): private to the bundle, so they may be shortened.
    mangle: { properties: { regex: /^[a-z]+_$/ } },
  });
  await writeFile(out, code);
}

await import('node:fs').then((fs) => fs.mkdirSync('dist', { recursive: true }));
await Promise.all([
  script('src/beacon.js', 'dist/s.js'),
  script('src/banner.js', 'dist/consent.js'),
  script('src/links.js', 'dist/links.js'),
  build({ ...common, entryPoints: ['src/banner.css'], outfile: 'dist/consent.css', minify: true }),
  // The GPU worker's demo page script (gpu_worker/demo.py); not size-critical either.
  build({ ...common, entryPoints: ['src/gpu_demo.js'], outfile: 'dist/gpu-demo.js', format: 'iife', minify: true }),
  // The console is not size-critical like the beacon: esbuild's own minifier is enough. ES modules keep
  // Chart.js tree-shakeable, and the bundle is one classic script (the CSP allows only same-origin files).
  build({ ...common, entryPoints: ['src/console/main.js'], outfile: 'dist/console.js', format: 'iife', minify: true }),
  build({ ...common, entryPoints: ['src/console/console.css'], outfile: 'dist/console.css', minify: true }),
]);
