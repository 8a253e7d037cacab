import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NoAuthAuthenticator } from '../src/index.ts';
import { json, startScriptedServer, type ScriptedServer } from './helpers/scripted-server.ts';
import { TestService } from './helpers/test-service.ts';

describe('default transport outside Node', () => {
  let server: ScriptedServer;
  beforeAll(async () => {
    server = await startScriptedServer((_req, res) => json(res, 200, { ok: true }));
  });
  afterAll(() => server.close());

  it('uses fetch when node:http is unavailable', async () => {
    // This file's module state is its own: the first service decides the default transport.
    const node = process.versions.node;
    Object.defineProperty(process.versions, 'node', { value: undefined, configurable: true });
    let service: TestService;
    try {
      service = new TestService({ authenticator: new NoAuthAuthenticator(), serviceUrl: server.url });
    } finally {
      Object.defineProperty(process.versions, 'node', { value: node, configurable: true });
    }
    expect((await service.get('/x')).result).toEqual({ ok: true });
    expect(server.requests[0].headers['sec-fetch-mode']).toBe('cors'); // set by fetch, never by node:http
  });
});
