// What the contract tests share: Stoplight Prism started on a spec (static mode, so its
// answers are the spec's examples; --errors, so a request that breaks the spec is answered
// 422 and a violation it lets through is named in the `sl-violations` header), and a fetch
// that records every exchange so each adapter operation can be checked request by request.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { CrmError } from '../../src/errors.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Pipedrive's own OpenAPI specs, vendored (see specs/pipedrive/README.md). */
export const PIPEDRIVE_SPECS = resolve(REPO_ROOT, 'test/contract/specs/pipedrive');
export const FIXTURES = resolve(REPO_ROOT, 'test/fixtures');
const PRISM = resolve(REPO_ROOT, 'node_modules/.bin/prism');
export const STARTUP_LIMIT_MS = 150_000;

export interface RunningPrism {
  process: ChildProcess;
  baseUrl: string;
  startupMs: number;
}

export interface Exchange {
  method: string;
  url: string;
  status: number;
  /** Prism reports spec violations it does not turn into errors in this header. */
  violations: string | null;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function startPrism(specPath: string): Promise<RunningPrism> {
  if (!existsSync(specPath)) throw new Error(`The spec is missing at ${specPath} (it is vendored in test/contract/specs/pipedrive/)`);
  const port = await freePort();
  const started = Date.now();
  const child = spawn(PRISM, ['mock', '--errors', '--dynamic=false', '-h', '127.0.0.1', '-p', String(port), specPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`Prism (${specPath}) did not listen within ${STARTUP_LIMIT_MS} ms:\n${output.slice(-2000)}`)),
      STARTUP_LIMIT_MS,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      // Keep only the tail: Prism prints one line per operation while loading.
      if (output.length > 20_000) output = output.slice(-5_000);
      if (output.includes('Prism is listening on')) {
        clearTimeout(timer);
        ready();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`Prism (${specPath}) exited with ${code} before listening:\n${output.slice(-2000)}`));
    });
  });
  // Drain the request log so the pipe never fills up and blocks Prism.
  child.stdout!.resume();
  child.stderr!.resume();
  return { process: child, baseUrl: `http://127.0.0.1:${port}`, startupMs: Date.now() - started };
}

export interface ExchangeRecorder {
  /** A fetch that records every exchange it makes. */
  fetch: typeof fetch;
  exchanges: Exchange[];
  /** Runs one adapter operation and checks every request it made passed Prism's validation. */
  conforming<T>(operation: () => Promise<T>): Promise<T>;
}

export function createExchangeRecorder(): ExchangeRecorder {
  const exchanges: Exchange[] = [];

  const recordingFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    exchanges.push({
      method: init?.method ?? 'GET',
      url: String(input),
      status: response.status,
      violations: response.headers.get('sl-violations'),
    });
    return response;
  };

  async function conforming<T>(operation: () => Promise<T>): Promise<T> {
    const first = exchanges.length;
    let result: T;
    try {
      result = await operation();
    } catch (error) {
      const detail = error instanceof CrmError ? ` ${error.status ?? ''} ${JSON.stringify(error.response)}` : '';
      throw new Error(`Prism refused the adapter's request: ${String(error)}${detail}`, { cause: error });
    }
    const made = exchanges.slice(first);
    expect(made.length).toBeGreaterThan(0);
    for (const exchange of made) {
      expect(exchange, `${exchange.method} ${exchange.url}`).toMatchObject({ status: expect.any(Number), violations: null });
      expect(exchange.status, `${exchange.method} ${exchange.url}`).toBeGreaterThanOrEqual(200);
      expect(exchange.status, `${exchange.method} ${exchange.url}`).toBeLessThan(300);
    }
    return result;
  }

  return { fetch: recordingFetch, exchanges, conforming };
}
