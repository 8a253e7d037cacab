import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer, TestUser } from '../helpers/server.ts';
import {
  CE,
  READY_MS,
  VERSION,
  activeProject,
  expectCodeEngineError,
  sleep,
  startCodeEngineServer,
} from './helpers.ts';

const CRN = 'crn:v1:bluemix:public:is:us-south:a/acct123::private-path-service-gateway:r006-gw1';

let s: TestServer;
let other: TestUser;
let base: string;
let projectId: string;

beforeAll(async () => {
  s = await startCodeEngineServer();
  other = await s.createUser('ce-other');
  const p = await activeProject(s, 'aod-project');
  projectId = p.id;
  base = `${CE}/projects/${p.id}/allowed_outbound_destinations`;
});
afterAll(() => s.close());

describe('allowed outbound destinations', () => {
  it('creates a CIDR block destination: deploying, then ready', async () => {
    const res = await s.call('POST', `${base}?version=${VERSION}`, {
      body: { type: 'cidr_block', name: 'office', cidr_block: '10.0.0.0/16' },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toEqual({
      entity_tag: res.body.entity_tag,
      name: 'office',
      project_id: projectId,
      status: 'deploying',
      type: 'cidr_block',
      cidr_block: '10.0.0.0/16',
    });
    expect(res.headers.get('etag')).toBe(res.body.entity_tag);
    await sleep(READY_MS + 50);
    const got = await s.call('GET', `${base}/office`);
    expect(got.status).toBe(200);
    expect(got.body.status).toBe('ready');
    expect(got.body.entity_tag).toBe(res.body.entity_tag);
  });

  it('creates a Private Path destination with default isolation and status details', async () => {
    const res = await s.call('POST', base, {
      body: { type: 'private_path_service_gateway', name: 'ppsg', private_path_service_gateway_crn: CRN },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      type: 'private_path_service_gateway',
      isolation_policy: 'shared',
      private_path_service_gateway_crn: CRN,
      status: 'deploying',
      status_details: { reason: 'deploying' },
    });
    await sleep(READY_MS + 50);
    const got = await s.call('GET', `${base}/ppsg`);
    expect(got.body.status).toBe('ready');
    expect(got.body.status_details.reason).toBe('ready');
    expect(got.body.status_details.private_path_service_gateway.id).toBe('r006-gw1');
    expect(got.body.status_details.endpoint_gateway.ips.length).toBeGreaterThan(0);

    const dedicated = await s.call('POST', base, {
      body: {
        type: 'private_path_service_gateway',
        name: 'ppsg-dedicated',
        private_path_service_gateway_crn: CRN,
        isolation_policy: 'dedicated',
      },
    });
    expect(dedicated.body.isolation_policy).toBe('dedicated');
  });

  it('refuses bad prototypes (400): no name, bad type, bad CIDR or CRN, fields of the other type', async () => {
    for (const body of [
      { type: 'cidr_block', cidr_block: '10.0.0.0/8' },
      { name: 'x1', cidr_block: '10.0.0.0/8' },
      { type: 'other', name: 'x1', cidr_block: '10.0.0.0/8' },
      { type: 'cidr_block', name: 'x1' },
      { type: 'cidr_block', name: 'x1', cidr_block: '10.0.0.0' },
      { type: 'cidr_block', name: 'x1', cidr_block: '300.0.0.0/8' },
      { type: 'cidr_block', name: 'x1', cidr_block: '10.0.0.0/33' },
      { type: 'cidr_block', name: 'Bad.Name', cidr_block: '10.0.0.0/8' },
      { type: 'private_path_service_gateway', name: 'x1' },
      { type: 'private_path_service_gateway', name: 'x1', private_path_service_gateway_crn: 'crn:nope' },
      {
        type: 'private_path_service_gateway',
        name: 'x1',
        private_path_service_gateway_crn: CRN,
        isolation_policy: 'private',
      },
    ]) {
      expectCodeEngineError(await s.call('POST', base, { body }), 400);
    }
    expectCodeEngineError(await s.call('GET', `${base}/x1`), 404);
  });

  it('refuses a duplicate name (409)', async () => {
    await s.call('POST', base, { body: { type: 'cidr_block', name: 'dup', cidr_block: '10.1.0.0/16' } });
    const dup = await s.call('POST', base, {
      body: { type: 'private_path_service_gateway', name: 'dup', private_path_service_gateway_crn: CRN },
    });
    expectCodeEngineError(dup, 409);
    expect((await s.call('GET', `${base}/dup`)).body.type).toBe('cidr_block');
  });

  it('patches under If-Match with merge-patch bodies; no type in patches', async () => {
    const created = await s.call('POST', base, {
      body: { type: 'cidr_block', name: 'patchme', cidr_block: '10.2.0.0/16' },
    });
    await sleep(READY_MS + 50);
    const tag = created.body.entity_tag;
    const patched = await s.call('PATCH', `${base}/patchme?version=${VERSION}`, {
      body: { cidr_block: '10.3.0.0/16' },
      contentType: 'application/merge-patch+json',
      headers: { 'if-match': tag },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.cidr_block).toBe('10.3.0.0/16');
    expect(patched.body.status).toBe('deploying');
    expect(patched.body.entity_tag).not.toBe(tag);
    expect(patched.headers.get('etag')).toBe(patched.body.entity_tag);

    const stale = await s.call('PATCH', `${base}/patchme`, {
      body: { cidr_block: '10.4.0.0/16' },
      contentType: 'application/merge-patch+json',
      headers: { 'if-match': tag },
    });
    expectCodeEngineError(stale, 412);
    const noTag = await s.call('PATCH', `${base}/patchme`, {
      body: { cidr_block: '10.4.0.0/16' },
      contentType: 'application/merge-patch+json',
    });
    expectCodeEngineError(noTag, 400);
    for (const body of [
      { type: 'cidr_block' },
      { cidr_block: '10.4.0.0/16', type: 'cidr_block' },
      { isolation_policy: 'dedicated' },
      { cidr_block: 'nope' },
      { cidr_block: null },
    ]) {
      const res = await s.call('PATCH', `${base}/patchme`, {
        body,
        contentType: 'application/merge-patch+json',
        headers: { 'if-match': '*' },
      });
      expectCodeEngineError(res, 400);
    }
    expect((await s.call('GET', `${base}/patchme`)).body.cidr_block).toBe('10.3.0.0/16');

    await s.call('POST', base, {
      body: { type: 'private_path_service_gateway', name: 'pp-patch', private_path_service_gateway_crn: CRN },
    });
    const iso = await s.call('PATCH', `${base}/pp-patch`, {
      body: { isolation_policy: 'dedicated' },
      contentType: 'application/merge-patch+json',
      headers: { 'if-match': '*' },
    });
    expect(iso.status).toBe(200);
    expect(iso.body.isolation_policy).toBe('dedicated');
    const wrong = await s.call('PATCH', `${base}/pp-patch`, {
      body: { cidr_block: '10.0.0.0/8' },
      contentType: 'application/merge-patch+json',
      headers: { 'if-match': '*' },
    });
    expectCodeEngineError(wrong, 400);
    const unknown = await s.call('PATCH', `${base}/nothing`, {
      body: {},
      contentType: 'application/merge-patch+json',
      headers: { 'if-match': '*' },
    });
    expectCodeEngineError(unknown, 404);
  });

  it('lists (paged, without version) and deletes', async () => {
    const p = await activeProject(s, 'aod-list');
    const url = `${CE}/projects/${p.id}/allowed_outbound_destinations`;
    for (const n of ['d3', 'd1', 'd2']) {
      await s.call('POST', url, { body: { type: 'cidr_block', name: n, cidr_block: '10.9.0.0/16' } });
    }
    const first = await s.call('GET', `${url}?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.allowed_outbound_destinations.map((d: any) => d.name)).toEqual(['d1', 'd2']);
    const second = await s.call('GET', `${url}?limit=2&start=${first.body.next.start}`);
    expect(second.body.allowed_outbound_destinations.map((d: any) => d.name)).toEqual(['d3']);
    expect((await s.call('DELETE', `${url}/d1?version=${VERSION}`)).status).toBe(202);
    expectCodeEngineError(await s.call('GET', `${url}/d1`), 404);
    expectCodeEngineError(await s.call('DELETE', `${url}/d1`), 404);
    expect((await s.call('GET', url)).body.allowed_outbound_destinations).toHaveLength(2);
  });

  it('is invisible to other users', async () => {
    expectCodeEngineError(await s.call('GET', base, { token: other.token }), 404);
    expectCodeEngineError(await s.call('GET', `${base}/office`, { token: other.token }), 404);
    const res = await s.call('POST', base, {
      token: other.token,
      body: { type: 'cidr_block', name: 'theirs', cidr_block: '10.0.0.0/8' },
    });
    expectCodeEngineError(res, 404);
    expectCodeEngineError(await s.call('DELETE', `${base}/office`, { token: other.token }), 404);
    expect((await s.call('GET', `${base}/office`)).status).toBe(200);
  });
});
