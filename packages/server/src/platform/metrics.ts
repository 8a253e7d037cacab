import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics: requests, latencies and errors by route, plus process metrics. */
export function installMetrics(app: FastifyInstance): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'Requests answered, by method, route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'http_errors_total',
    help: 'Requests answered with a 4xx or 5xx, by method, route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer, by method and route',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });

  // One set of label children per method, route and status: looking them up by label object on
  // every request costs more than the counting itself.
  const children = new Map<string, { count(seconds: number): void }>();
  const childrenOf = (method: string, route: string, status: number) => {
    const key = `${method} ${route} ${status}`;
    let child = children.get(key);
    if (!child) {
      const labels = { method, route, status: String(status) };
      const requested = requests.labels(labels);
      const failed = status >= 400 ? errors.labels(labels) : undefined;
      const timed = latency.labels({ method, route });
      child = {
        count(seconds) {
          requested.inc();
          failed?.inc();
          timed.observe(seconds);
        },
      };
      children.set(key, child);
    }
    return child;
  };

  app.addHook('onResponse', (req, reply, done) => {
    childrenOf(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode).count(
      reply.elapsedTime / 1000,
    );
    done();
  });

  app.get('/metrics', async (_req, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
}
