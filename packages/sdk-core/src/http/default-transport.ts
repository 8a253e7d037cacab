import { createFetchTransport } from './fetch-transport.ts';
import type { HttpRequest, Transport } from './types.ts';

/** True on Node, where `node:http` can be loaded. */
const hasNodeHttp = () => typeof globalThis.process?.versions?.node === 'string';

let chosen: Promise<Transport> | undefined;

/**
 * The transport for services that do not bring one: the shared keep-alive `node:http` transport on
 * Node, `fetch` elsewhere. The Node module is loaded lazily so that bundles for other runtimes
 * never reach for `node:http`.
 */
export function defaultTransport(): Transport {
  chosen ??= hasNodeHttp()
    ? import('./node-transport.ts').then((m) => m.sharedNodeTransport())
    : Promise.resolve(createFetchTransport());
  return deferred(chosen);
}

/** A transport that is still loading: its calls wait for it once, then go straight to it. */
function deferred(ready: Promise<Transport>): Transport {
  let loaded: Transport | undefined;
  ready.then((t) => (loaded = t)).catch(() => {});
  return {
    send: (request: HttpRequest) =>
      loaded ? loaded.send(request) : ready.then((t) => (loaded = t).send(request)),
  };
}

/** A Node transport with the given agents (or fetch when `node:http` is unavailable). */
export function transportWithAgents(agents: { httpAgent?: unknown; httpsAgent?: unknown }): Transport {
  if (!hasNodeHttp()) return createFetchTransport();
  return deferred(import('./node-transport.ts').then((m) => m.createNodeTransport(agents as any)));
}
