// The process's own HTTP server. In HTTP mode it is the one on PORT: it answers `/healthz`
// (alive), `/readyz` (ready for work) and `/metrics` (Prometheus) itself, and hands Slack's
// requests to Bolt's receiver once the app exists — so health and readiness are served while
// start-up still waits on the store or Slack. In Socket Mode it runs on METRICS_PORT without
// Slack routes. Slack bodies are read here first: one that is not a JSON object (`payload=null`)
// gets a 400 instead of reaching Bolt, where it would throw outside any handler.

import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseQuery } from 'node:querystring';
import type { Logger } from '../logger.js';
import type { Metrics } from './metrics.js';
import type { Readiness } from './readiness.js';

export const HEALTH_PATH = '/healthz';
export const READY_PATH = '/readyz';
export const METRICS_PATH = '/metrics';

/** Slack sends small bodies; Bolt's own default limit is 10 MB. */
const BODY_LIMIT_BYTES = 10 * 1024 * 1024;

export interface OpsServer {
  listen(port: number, host?: string): Promise<number>;
  /** From now on requests other than the ops routes go to Bolt's receiver. */
  attachSlack(listener: RequestListener): void;
  /** Stop taking Slack requests (503, connection closed) and stop accepting connections. */
  beginDrain(): void;
  close(): Promise<void>;
  readonly server: Server;
}

export interface OpsServerOptions {
  readiness: Readiness;
  metrics?: Metrics | null;
  logger: Logger;
  /** What `/healthz` reports besides `ok`. */
  health?: () => Record<string, unknown>;
  /** Paths whose POST bodies are Slack's (checked before Bolt sees them); none in Socket Mode. */
  slackPaths?: string[];
  /**
   * Other routes by path (`/webhooks/pipedrive`), served before Slack's, whatever the method.
   * Read at each request: the composition root may add one once what it needs exists.
   */
  routes?: ReadonlyMap<string, (req: IncomingMessage, res: ServerResponse) => void | Promise<void>>;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json', ...headers });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Whether Bolt would get something other than a JSON object from this body. Unparseable bodies are Bolt's to refuse. */
function isNonObjectBody(raw: Buffer, contentType: string | undefined): boolean {
  const text = raw.toString('utf8');
  let parsed: unknown;
  try {
    if (contentType === 'application/x-www-form-urlencoded') {
      const { payload } = parseQuery(text);
      if (typeof payload !== 'string') return false;
      parsed = JSON.parse(payload);
    } else {
      parsed = JSON.parse(text);
    }
  } catch {
    return false;
  }
  return typeof parsed !== 'object' || parsed === null || Array.isArray(parsed);
}

export function createOpsServer(options: OpsServerOptions): OpsServer {
  const { readiness, metrics, logger } = options;
  const slackPaths = new Set(options.slackPaths ?? []);
  let slack: RequestListener | null = null;
  let draining = false;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === HEALTH_PATH) return send(res, 200, { ok: true, ...options.health?.() });
    if (req.method === 'GET' && path === READY_PATH) {
      const report = await readiness.report();
      return send(res, report.ready ? 200 : 503, report);
    }
    if (req.method === 'GET' && path === METRICS_PATH && metrics) {
      return send(res, 200, await metrics.registry.metrics(), { 'content-type': metrics.registry.contentType });
    }
    if (draining) return send(res, 503, { ok: false, error: 'shutting down' }, { connection: 'close' });
    const route = path === undefined ? undefined : options.routes?.get(path);
    if (route) return route(req, res);
    if (!slack) return send(res, 503, { ok: false, error: 'starting' }, { 'retry-after': '1' });
    if (req.method === 'POST' && path && slackPaths.has(path)) {
      const raw = await readBody(req);
      if (raw === null) return send(res, 413, { ok: false, error: 'body too large' });
      if (isNonObjectBody(raw, req.headers['content-type'])) {
        logger.info({ path }, 'refused a Slack request whose body is not a JSON object');
        return send(res, 400, { ok: false, error: 'the body is not a JSON object' });
      }
      // Bolt reads a body it finds already buffered here instead of the (spent) stream.
      (req as IncomingMessage & { rawBody?: Buffer }).rawBody = raw;
    }
    slack(req, res);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error({ err: error, url: req.url }, 'the HTTP server failed to answer a request');
      if (!res.headersSent) send(res, 500, { ok: false });
      else res.end();
    });
  });
  // Longer than a load balancer's idle timeout, so it never reuses a socket we just closed.
  server.keepAliveTimeout = 65_000;

  return {
    server,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      });
    },
    attachSlack(listener) {
      slack = listener;
    },
    beginDrain() {
      draining = true;
      readiness.setDraining();
      server.close();
      server.closeIdleConnections();
    },
    close() {
      return new Promise((resolve) => {
        draining = true;
        server.close(() => resolve());
        server.closeIdleConnections();
        // Whatever is still open after the drain is cut: the work behind it has had its time.
        setTimeout(() => server.closeAllConnections(), 100).unref();
      });
    },
  };
}
