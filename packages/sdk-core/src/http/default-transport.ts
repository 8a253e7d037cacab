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
  const ready = chosen;
  return { send: async (request: HttpRequest) => (await ready).send(request) };
}

/** A Node transport with the given agents (or fetch when `node:http` is unavailable). */
export function transportWithAgents(agents: { httpAgent?: unknown; httpsAgent?: unknown }): Transport {
  if (!hasNodeHttp()) return createFetchTransport();
  const ready = import('./node-transport.ts').then((m) => m.createNodeTransport(agents as any));
  return { send: async (request: HttpRequest) => (await ready).send(request) };
}
