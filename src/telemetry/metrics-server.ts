/**
 * The metrics port: GET /metrics in the Prometheus text format, and nothing else. It is a
 * listener of its own (METRICS_HOST, loopback by default, and METRICS_PORT) so that the API's
 * public port never exposes it; see docs/operations.md.
 */
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Config } from '../core/config';
import { logger } from '../core/logging';
import { registry } from './metrics';

export interface MetricsServer {
  server: http.Server;
  /** `http://host:port/metrics` as it listens. */
  url: string;
}

export async function startMetricsServer(options: { host: string; port: number }): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    const path = req.url?.split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found: the metrics are at /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('Method not allowed\n');
      return;
    }
    registry.metrics().then(
      (text) =>
        res
          .writeHead(200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' })
          .end(req.method === 'HEAD' ? undefined : text),
      (err: unknown) =>
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`could not collect metrics: ${String(err)}\n`),
    );
  });
  server.listen(options.port, options.host);
  await once(server, 'listening');
  // The API's listener decides when the process ends, not this one.
  server.unref();
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return { server, url: `http://${host}:${port}/metrics` };
}

/** Starts the metrics listener when metrics are enabled (src/main.ts); a port in use stops start-up. */
export async function serveMetrics(config: Config['metrics']): Promise<MetricsServer | undefined> {
  if (!config.enabled) return undefined;
  const metrics = await startMetricsServer(config).catch((err: unknown) => {
    throw new Error(
      `metrics on ${config.host}:${config.port}: ${(err as Error).message} (set METRICS_PORT, 0 for any free port, or METRICS_ENABLED=false)`,
      { cause: err },
    );
  });
  logger.info(`metrics on ${metrics.url}`);
  return metrics;
}
