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

let s: TestServer;
let other: TestUser;

beforeAll(async () => {
  s = await startCodeEngineServer();
  other = await s.createUser('ce-other');
});
afterAll(() => s.close());

describe('projects', () => {
  it('creates a project that is creating, then active', async () => {
    const res = await s.call('POST', `${CE}/projects?version=${VERSION}`, {
      body: { name: 'proj-one', tags: ['a'] },
    });
    expect(res.status).toBe(202);
    const p = res.body;
    expect(p).toMatchObject({
      name: 'proj-one',
      status: 'creating',
      region: 'local',
      resource_type: 'project_v2',
    });
    expect(p.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(p.href).toBe(`${s.url}${CE}/projects/${p.id}`);
    expect(p.account_id).toMatch(/^[0-9a-f]{32}$/);
    expect(p.resource_group_id).toMatch(/^[0-9a-f]{32}$/);
    expect(p.crn).toBe(`crn:v1:bluemix:public:codeengine:local:a/${p.account_id}:${p.id}::`);
    expect(p.tags).toBeUndefined();
    expect(Date.parse(p.created_at)).not.toBeNaN();

    const details = await s.call('GET', `${CE}/projects/${p.id}/status_details`);
    expect(details.status).toBe(200);
    expect(details.body.domain).toBe('unknown');

    await sleep(READY_MS + 50);
    const got = await s.call('GET', `${CE}/projects/${p.id}?version=${VERSION}`);
    expect(got.status).toBe(200);
    expect(got.body.status).toBe('active');
    const after = await s.call('GET', `${CE}/projects/${p.id}/status_details`);
    expect(after.body).toEqual({
      cbr: { data_plane: { enforcement: 'none', inbound_private: 'allowed', inbound_public: 'allowed' } },
      domain: 'ready',
      project: 'enabled',
      vpe: 'ready',
      vpe_not_enabled: false,
    });
  });

  it('keeps the given resource group and refuses a malformed one', async () => {
    const rg = 'b'.repeat(32);
    const res = await s.call('POST', `${CE}/projects`, { body: { name: 'with-rg', resource_group_id: rg } });
    expect(res.status).toBe(202);
    expect(res.body.resource_group_id).toBe(rg);
    const bad = await s.call('POST', `${CE}/projects`, {
      body: { name: 'bad-rg', resource_group_id: 'nope' },
    });
    expect(expectCodeEngineError(bad, 400).target).toEqual({ type: 'field', name: 'resource_group_id' });
  });

  it('refuses a duplicate name (409), a missing or bad name (400), and changes nothing', async () => {
    await activeProject(s, 'dup-proj');
    const dup = await s.call('POST', `${CE}/projects`, { body: { name: 'dup-proj' } });
    expect(expectCodeEngineError(dup, 409).code).toBe('project_name_already_exists');
    expectCodeEngineError(await s.call('POST', `${CE}/projects`, { body: {} }), 400);
    expectCodeEngineError(await s.call('POST', `${CE}/projects`, { body: { name: '' } }), 400);
    expectCodeEngineError(await s.call('POST', `${CE}/projects`, { body: { name: 'x'.repeat(129) } }), 400);
    expectCodeEngineError(await s.call('POST', `${CE}/projects`, { body: { name: 'a/b' } }), 400);
    const list = await s.call('GET', `${CE}/projects?limit=100`);
    expect(list.body.projects.filter((p: any) => p.name === 'dup-proj')).toHaveLength(1);
    expect(list.body.projects.some((p: any) => p.name === '' || p.name === 'a/b')).toBe(false);
    // Another user may use the same name: names are unique per account.
    const theirs = await s.call('POST', `${CE}/projects`, { token: other.token, body: { name: 'dup-proj' } });
    expect(theirs.status).toBe(202);
  });

  it('checks version: shape, calendar and documented range', async () => {
    for (const v of ['2021-03-30', '2026-05-15', '2024-02-30', '2024-13-01', 'yesterday', '20240101']) {
      const err = expectCodeEngineError(await s.call('GET', `${CE}/projects?version=${v}`), 400);
      expect(err.target).toEqual({ type: 'parameter', name: 'version' });
    }
    for (const v of ['2021-03-31', '2026-05-14', '2024-02-29']) {
      expect((await s.call('GET', `${CE}/projects?version=${v}`)).status).toBe(200);
    }
  });

  it('pages the list by name with first/next links and start tokens', async () => {
    const u = await s.createUser('ce-pager');
    for (const n of ['p-c', 'p-a', 'p-e', 'p-b', 'p-d']) {
      expect((await s.call('POST', `${CE}/projects`, { token: u.token, body: { name: n } })).status).toBe(
        202,
      );
    }
    const seen: string[] = [];
    let url = `${CE}/projects?limit=2&version=${VERSION}`;
    for (let i = 0; i < 5; i++) {
      const page = await s.call('GET', url, { token: u.token });
      expect(page.status).toBe(200);
      expect(page.body.limit).toBe(2);
      expect(page.body.first.href).toBe(`${s.url}${CE}/projects?limit=2&version=${VERSION}`);
      seen.push(...page.body.projects.map((p: any) => p.name));
      if (!page.body.next) break;
      expect(page.body.next.href).toContain(`start=${page.body.next.start}`);
      url = `${CE}/projects?limit=2&version=${VERSION}&start=${page.body.next.start}`;
    }
    expect(seen).toEqual(['p-a', 'p-b', 'p-c', 'p-d', 'p-e']);
    const all = await s.call('GET', `${CE}/projects`, { token: u.token });
    expect(all.body.limit).toBe(50);
    expect(all.body.next).toBeUndefined();
    for (const bad of ['limit=0', 'limit=101', 'limit=x', 'start=garbage']) {
      expectCodeEngineError(await s.call('GET', `${CE}/projects?${bad}`, { token: u.token }), 400);
    }
  });

  it('hides a project from other users (404) and refuses a missing token (401)', async () => {
    const p = await activeProject(s, 'private-proj');
    expectCodeEngineError(await s.call('GET', `${CE}/projects/${p.id}`, { token: other.token }), 404);
    expectCodeEngineError(await s.call('DELETE', `${CE}/projects/${p.id}`, { token: other.token }), 404);
    expectCodeEngineError(
      await s.call('GET', `${CE}/projects/${p.id}/egress_ips`, { token: other.token }),
      404,
    );
    const list = await s.call('GET', `${CE}/projects`, { token: other.token });
    expect(list.body.projects.some((x: any) => x.id === p.id)).toBe(false);
    expectCodeEngineError(await s.call('GET', `${CE}/projects`, { token: null }), 401);
    expect((await s.call('GET', `${CE}/projects/${p.id}`)).status).toBe(200);
  });

  it('answers egress IPs, stable per project', async () => {
    const p = await activeProject(s, 'egress-proj');
    const a = await s.call('GET', `${CE}/projects/${p.id}/egress_ips?version=${VERSION}`);
    expect(a.status).toBe(200);
    expect(a.body.private).toHaveLength(2);
    expect(a.body.public).toHaveLength(2);
    for (const ip of [...a.body.private, ...a.body.public]) expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect((await s.call('GET', `${CE}/projects/${p.id}/egress_ips`)).body).toEqual(a.body);
    expectCodeEngineError(
      await s.call('GET', `${CE}/projects/00000000-0000-0000-0000-000000000000/egress_ips`),
      404,
    );
    expectCodeEngineError(await s.call('GET', `${CE}/projects/nope/status_details`), 404);
  });

  it('deletes: deleting, then gone with everything in it; unknown id is 404', async () => {
    const p = await activeProject(s, 'doomed');
    expect(
      (await s.call('POST', `${CE}/projects/${p.id}/config_maps`, { body: { name: 'cm' } })).status,
    ).toBe(201);
    const del = await s.call('DELETE', `${CE}/projects/${p.id}?version=${VERSION}`);
    expect(del.status).toBe(202);
    expect(del.text).toBe('');
    const during = await s.call('GET', `${CE}/projects/${p.id}`);
    expect(during.body.status).toBe('deleting');
    expect((await s.call('GET', `${CE}/projects/${p.id}/status_details`)).body.project).toBe('disabled');
    const create = await s.call('POST', `${CE}/projects/${p.id}/config_maps`, { body: { name: 'cm2' } });
    expectCodeEngineError(create, 409);
    expect((await s.call('DELETE', `${CE}/projects/${p.id}`)).status).toBe(202);
    await sleep(READY_MS + 100);
    expectCodeEngineError(await s.call('GET', `${CE}/projects/${p.id}`), 404);
    expectCodeEngineError(await s.call('GET', `${CE}/projects/${p.id}/config_maps/cm`), 404);
    expectCodeEngineError(await s.call('DELETE', `${CE}/projects/${p.id}`), 404);
    // The name is free again.
    expect((await s.call('POST', `${CE}/projects`, { body: { name: 'doomed' } })).status).toBe(202);
  });
});
