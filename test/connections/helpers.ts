import { expect } from 'vitest';
import { expectErrorShape } from '../helpers/error-shapes.ts';
import type { TestServer } from '../helpers/server.ts';
import type { Container } from '../assets/helpers.ts';

/** The machine's real PostgreSQL (trust auth: any password is accepted) and MariaDB (root, no password). */
export const PG = {
  host: '127.0.0.1',
  port: 5432,
  database: 'test',
  username: 'postgres',
  password: 'pg-Secr3t-Value',
};
export const MARIA = { host: '127.0.0.1', port: 3306, database: 'test', username: 'root' };

/** Asserts the connections error body with `status`; answers its message. */
export function expectConnError(res: { status: number; body: any; text: string }, status: number): string {
  expect(res.status, res.text).toBe(status);
  expectErrorShape('connections', status, res.body);
  return res.body.errors[0].message as string;
}

export async function createConnection(
  s: TestServer,
  token: string,
  c: Container,
  body: Record<string, unknown>,
  query = '',
) {
  const res = await s.call('POST', `/v2/connections?${c.q}${query}`, { token, body });
  expect(res.status, res.text).toBe(201);
  return res.body as { metadata: { asset_id: string }; entity: Record<string, any> };
}

export const pgConnection = (name = 'pg', extra: Record<string, unknown> = {}) => ({
  datasource_type: 'postgresql',
  name,
  properties: { ...PG },
  ...extra,
});

export const patch = (s: TestServer, token: string, url: string, ops: unknown[]) =>
  s.call('PATCH', url, { token, body: ops, contentType: 'application/json-patch+json' });
