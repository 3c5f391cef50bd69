// Runs the SDK's tests: unit tests, then integration and browser tests against one real server
// (core/target/lockstep.jar, started here). `node scripts/test.mjs unit` runs the unit tests only.
// Without the jar, or without Chromium, those parts are skipped with one line each.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';

const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
if (NODE_MAJOR < 20) {
  console.log(`@lockstep/client tests skipped: they need Node 20 or later, this is ${process.version}`);
  process.exit(0);
}
const root = new URL('..', import.meta.url).pathname;
process.chdir(root);
const only = process.argv[2];
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

rmSync('build', { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.test.json'], { stdio: 'inherit' });
if (!existsSync('dist/browser/lockstep-client.js')) execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });

const suites = ['build/test/unit'];
let server;
if (only !== 'unit') {
  const { startServer, jarExists, JAR } = await import('../build/test/support/server.js');
  if (!jarExists()) {
    console.log(`integration and browser tests skipped: no server jar at ${JAR} (mvn -B package -DskipTests builds it)`);
  } else {
    const started = Date.now();
    server = await startServer({
      LOCKSTEP_RETENTION_MAX_EVENTS: '60', LOCKSTEP_RETENTION_MAX_AGE: '0', LOCKSTEP_RETENTION_PRUNE_INTERVAL: '200ms',
      LOCKSTEP_SESSION_HEARTBEAT_MS: '4000',
      // an unlink after drain is carried out by the device sweep (every minute by default)
      LOCKSTEP_DEVICES_SWEEP_INTERVAL: '500ms',
      // groups of three and more are streams; the tests' groups of two and direct conversations are not
      LOCKSTEP_CONVERSATIONS_STREAM_THRESHOLD: '2',
    });
    console.log(`test server up at ${server.url} in ${Date.now() - started} ms`);
    suites.push('build/test/integration');
    if (existsSync(CHROMIUM)) suites.push('build/test/browser');
    else console.log(`browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run installs it)`);
  }
}

let status = 1;
try {
  const files = suites.filter((folder) => existsSync(folder)).flatMap((folder) => readdirSync(folder).filter((file) => file.endsWith('.test.js')).sort()
    .map((file) => `${folder}/${file}`));
  const run = spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-timeout=60000', ...files], {
    stdio: 'inherit',
    env: { ...process.env, LOCKSTEP_SDK_TEST_URL: server?.url ?? '', CHROMIUM_PATH: CHROMIUM },
  });
  status = run.status ?? 1;
} finally {
  await server?.stop();
}
process.exit(status);
