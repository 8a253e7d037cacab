import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.ts';

/** Settings and integrations are sections of the project document: both views must agree. */
let s: TestServer;
let admin: TestUser;

beforeAll(async () => {
  s = await startTestServer();
  admin = await s.createUser('admin');
});
afterAll(async () => s?.close());

async function create(body: Record<string, unknown> = {}): Promise<string> {
  const res = await s.call('POST', '/transactional/v2/projects', {
    token: admin.token,
    body: { name: `Settings ${crypto.randomBytes(4).toString('hex')}`, generator: 'settings-tests', ...body },
  });
  expect(res.status).toBe(201);
  return String(res.body.location).split('/').pop() as string;
}

describe('settings as part of the project', () => {
  it('reads the settings given when the project was created, defaults for the rest', async () => {
    const id = await create({
      settings: {
        audit_events: { enabled: true },
        access_restrictions: { data: true, reporting: { authorized: true } },
      },
    });
    const audit = await s.call('GET', `/v2/projects/${id}/settings/audit_events`, { token: admin.token });
    expect(audit.body).toEqual({ enabled: true });
    const access = await s.call('GET', `/v2/projects/${id}/settings/access_restrictions`, {
      token: admin.token,
    });
    expect(access.body).toEqual({
      data: true,
      data_permissions: { editor: false },
      reporting: { authorized: true },
    });
    const folders = await s.call('GET', `/v2/projects/${id}/settings/folders`, { token: admin.token });
    expect(folders.body).toEqual({ enabled: false });
  });

  it('shows changed settings and the JupyterLab integration in the project document', async () => {
    const id = await create();
    await s.call('PUT', `/v2/projects/${id}/settings/folders`, {
      token: admin.token,
      body: { enabled: true },
    });
    const guid = crypto.randomUUID();
    await s.call('PUT', `/v2/projects/${id}/integrations/jupyterlab`, { token: admin.token, body: { guid } });
    const doc = await s.call('GET', `/v2/projects/${id}?include=settings,integrations`, {
      token: admin.token,
    });
    expect(doc.status).toBe(200);
    expect(doc.body.entity.settings.folders).toEqual({ enabled: true });
    expect(doc.body.entity.integrations.jupyterlab).toEqual({ guid });
  });

  it('keeps settings when another part of the project changes', async () => {
    const id = await create();
    await s.call('PUT', `/v2/projects/${id}/settings/audit_events`, {
      token: admin.token,
      body: { enabled: true },
    });
    const patch = await s.call('PATCH', `/v2/projects/${id}`, {
      token: admin.token,
      body: { description: 'changed' },
    });
    expect(patch.status).toBe(200);
    const audit = await s.call('GET', `/v2/projects/${id}/settings/audit_events`, { token: admin.token });
    expect(audit.body).toEqual({ enabled: true });
  });
});
