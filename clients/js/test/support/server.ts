/**
 * A real Lockstep node for the SDK's tests: core/target/lockstep.jar started as a process on a free
 * port, with a database of its own (created and dropped here when LOCKSTEP_TEST_PG_URL names a
 * server; otherwise the jar starts its embedded PostgreSQL in a temporary folder) and a Redis key
 * prefix of its own.
 */

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const JWT_SECRET = 'sdk-test-secret-sdk-test-secret-0123456789';
export const API_KEY = 'sdk-test-api-key';
export const JAR = new URL('../../../../../core/target/lockstep.jar', import.meta.url).pathname;

export interface RunningServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const port = await freePort();
  const folder = mkdtempSync(join(tmpdir(), 'lockstep-sdk-'));
  const database = createDatabase();
  const redisUrl = process.env.LOCKSTEP_TEST_REDIS_URL ?? '';
  const child = spawn('java', ['-Xmx384m', '-XX:TieredStopAtLevel=1', '-jar', JAR], {
    cwd: folder,
    env: {
      ...process.env,
      LOCKSTEP_MODE: 'dev',
      LOCKSTEP_HTTP_HOST: '127.0.0.1',
      LOCKSTEP_HTTP_PORT: String(port),
      LOCKSTEP_HTTP_INSTANCES: '1',
      LOCKSTEP_PG_URL: database?.url ?? '',
      LOCKSTEP_PG_POOL_SIZE: '4',
      LOCKSTEP_REDIS_URL: redisUrl,
      LOCKSTEP_REDIS_KEY_PREFIX: `lockstep:sdk:${Math.random().toString(36).slice(2, 10)}:`,
      LOCKSTEP_JWT_SECRET: JWT_SECRET,
      LOCKSTEP_API_KEY: API_KEY,
      LOCKSTEP_ADMIN_PASSWORD: 'sdk-test-admin',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await waitUntilUp(child);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      database?.drop();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

function waitUntilUp(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`the server did not start within 90 s:\n${output}`)), 90_000);
    const watch = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(' is up (')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', watch);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code}:\n${output}`));
    });
  });
}

function createDatabase(): { url: string; drop(): void } | undefined {
  const admin = process.env.LOCKSTEP_TEST_PG_URL;
  if (!admin) return undefined;
  const name = `lockstep_sdk_${Math.random().toString(36).slice(2, 12)}`;
  psql(admin, `CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => psql(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

function psql(url: string, sql: string): void {
  const result = spawnSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qc', sql], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`psql failed (${sql}): ${result.stderr || result.error}`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export function jarExists(): boolean {
  return existsSync(JAR);
}
