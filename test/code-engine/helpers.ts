import crypto from 'node:crypto';
import { expect } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

export const CE = '/codeengine/v2';
/** A version inside the contract's documented range. */
export const VERSION = '2025-01-10';
/** Short lifecycle delays so tests can watch transitions. */
export const READY_MS = 300;

/** A server whose Code Engine transitions take READY_MS. */
export async function startCodeEngineServer(): Promise<TestServer> {
  process.env.CODE_ENGINE_READY_MS = String(READY_MS);
  return startTestServer();
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Checks the Code Engine error body and returns its first error. */
export function expectCodeEngineError(res: { status: number; body: any }, status: number) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.status_code).toBe(status);
  expect(typeof res.body.trace).toBe('string');
  expect(res.body.errors).toHaveLength(1);
  expect(typeof res.body.errors[0].code).toBe('string');
  expect(typeof res.body.errors[0].message).toBe('string');
  return res.body.errors[0];
}

/** Creates a project and waits until it is active. */
export async function activeProject(s: TestServer, name: string, token?: string): Promise<any> {
  const res = await s.call('POST', `${CE}/projects?version=${VERSION}`, { token, body: { name } });
  expect(res.status, res.text).toBe(202);
  await sleep(READY_MS + 50);
  return res.body;
}

/**
 * Stores a component (app, job) straight in the database, standing in for the apps and jobs API,
 * so bindings and domain mappings can be tested against components that exist.
 */
export async function insertComponent(s: TestServer, projectId: string, kind: 'app' | 'job', name: string) {
  const now = new Date().toISOString();
  await (s.built.ctx.store.db as any)
    .insertInto('ce_resources')
    .values({
      id: crypto.randomUUID(),
      project_id: projectId,
      kind,
      name,
      filter_key: null,
      entity: '{}',
      sealed: null,
      entity_tag: '1',
      status: 'ready',
      ready_status: null,
      ready_at: null,
      delete_at: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
}
