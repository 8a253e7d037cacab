/**
 * CPU per request of the SDK core over its two transports (keep-alive `node:http` and `fetch`),
 * against a small JSON server in a child process so that only the client's CPU is counted.
 * Run: node --import tsx packages/sdk-core/bench/transport.ts [requests]
 * (BENCH_DIST=1 to measure the built dist/esm instead of the sources).
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { Transport } from '../src/index.ts';

// BENCH_DIST=1 measures the compiled package (npm run build first) instead of the sources under tsx.
const sdk: typeof import('../src/index.ts') = await import(
  process.env.BENCH_DIST ? '../dist/esm/index.js' : '../src/index.ts'
);
const { BaseService, NoAuthAuthenticator, createFetchTransport } = sdk;

const REQUESTS = Number(process.argv[2] ?? 20_000);
const CONCURRENCY = 8;

const SERVER = `
const body = JSON.stringify({ resources: Array.from({ length: 10 }, (_, i) => ({ id: 'id-' + i, name: 'thing ' + i })) });
const s = require('node:http').createServer((req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(body); });
s.keepAliveTimeout = 60000;
s.listen(0, '127.0.0.1', () => console.log(s.address().port));
`;

const agent = new http.Agent({ keepAlive: true });

/** The floor: node:http with a keep-alive agent and JSON.parse, nothing else. */
function rawHttp(base: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    http
      .get(base + '/v2/things?limit=10', { agent, headers: { accept: 'application/json' } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve(JSON.parse(text)));
      })
      .on('error', reject);
  });
}

async function rawFetch(base: string): Promise<unknown> {
  const res = await fetch(base + '/v2/things?limit=10', { headers: { accept: 'application/json' } });
  return res.json();
}

class Bench extends BaseService {
  list() {
    return this.createRequest({ options: { url: '/v2/things', method: 'GET', qs: { limit: 10 } } });
  }
}

async function measure(name: string, serviceUrl: string, transport?: Transport | 'raw-http' | 'raw-fetch') {
  const service = new Bench({
    authenticator: new NoAuthAuthenticator(),
    serviceUrl,
    transport: typeof transport === 'object' ? transport : undefined,
  });
  const call =
    transport === 'raw-http'
      ? () => rawHttp(serviceUrl)
      : transport === 'raw-fetch'
        ? () => rawFetch(serviceUrl)
        : () => service.list();
  for (let i = 0; i < 500; i++) await call(); // warm up: sockets, JIT
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < REQUESTS) await call();
    }),
  );
  const used = process.cpuUsage(cpu);
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const cpuUs = (used.user + used.system) / REQUESTS;
  console.log(
    `${name.padEnd(22)} ${cpuUs.toFixed(1).padStart(6)} µs CPU/request  ${Math.round((REQUESTS / wallMs) * 1000)} req/s`,
  );
  return cpuUs;
}

const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise<number>((resolve) =>
  child.stdout.once('data', (d) => resolve(Number(String(d).trim()))),
);
const url = `http://127.0.0.1:${port}`;
console.log(`${REQUESTS} GET requests, ${CONCURRENCY} at a time, Node ${process.version}`);
const rawNode = await measure('bare node:http', url, 'raw-http');
const rawWeb = await measure('bare fetch', url, 'raw-fetch');
const node = await measure('sdk over node:http', url);
const web = await measure('sdk over fetch', url, createFetchTransport());
console.log(
  `fetch / node:http CPU: bare ${(rawWeb / rawNode).toFixed(2)}x, through the SDK ${(web / node).toFixed(2)}x`,
);
child.kill();
