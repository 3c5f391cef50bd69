// Builds the package (dist/: ESM + .d.ts), the browser bundle the playground loads, and measures
// the core's size (minified + gzip), which must stay under LIMIT_KIB; the figure goes into README.md.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const LIMIT_KIB = 17;
const root = new URL('..', import.meta.url).pathname;
process.chdir(root);

rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });

// Node-only modules stay out of the browser bundle: they are loaded only where they are used.
const nodeOnly = {
  name: 'node-only',
  setup(builder) {
    builder.onResolve({ filter: /^node:|\/node_websocket\.js$/ }, (args) => ({ path: args.path, external: true }));
  },
};
// es2022 keeps class fields and ??= as written (Chrome 85, Firefox 79, Safari 14; BigInt already needs Safari 14)
const bundle = await build({
  entryPoints: ['src/index.ts'], bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
  minify: true, write: false, plugins: [nodeOnly], outfile: 'dist/browser/lockstep-client.js',
});
const code = bundle.outputFiles[0].contents;
mkdirSync('dist/browser', { recursive: true });
writeFileSync('dist/browser/lockstep-client.js', code);

mkdirSync('dist/playground', { recursive: true });
cpSync('playground', 'dist/playground', { recursive: true });
writeFileSync('dist/playground/lockstep-client.js', code);

const gzipped = gzipSync(code, { level: 9 }).length;
const size = `${(gzipped / 1024).toFixed(1)} KiB`;
console.log(`core bundle: ${(code.length / 1024).toFixed(1)} KiB minified, ${size} min+gzip (limit ${LIMIT_KIB} KiB)`);
const readme = readFileSync('README.md', 'utf8');
const updated = readme.replace(/<!-- size -->.*<!-- \/size -->/, `<!-- size -->${size}<!-- /size -->`);
if (updated !== readme) writeFileSync('README.md', updated);
if (gzipped > LIMIT_KIB * 1024) {
  console.error(`the core is ${size} min+gzip, over the ${LIMIT_KIB} KiB budget`);
  process.exit(1);
}
