import { expect } from 'vitest';
import { expectErrorShape } from '../helpers/error-shapes.ts';
import type { CallResult, TestServer } from '../helpers/server.ts';
import type { Container, World } from '../assets/helpers.ts';

export { createWorld, countAssets, type Container, type World } from '../assets/helpers.ts';

/** The project and the space of a world: the two scopes custom runtime entries live in. */
export const scopes = (w: World): Container[] => [w.containers.project, w.containers.space];

/** Asserts the environments family's error body (`{trace, errors:[{code, message, target?}]}`). */
export function expectEnvError(res: CallResult, status: number, code?: string) {
  expect(res.status, res.text).toBe(status);
  expectErrorShape('environments', status, res.body);
  if (code) expect(res.body.errors[0].code, res.text).toBe(code);
}

export const MISSING_ID = '00000000-0000-4000-8000-00000000abcd';

/** Uploads raw bytes to a package extension's href (the asset attachment upload). */
export async function upload(s: TestServer, token: string, href: string, bytes: Buffer | string) {
  const res = await fetch(`${s.url}${href}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body: typeof bytes === 'string' ? Buffer.from(bytes) : bytes,
  });
  return { status: res.status, text: await res.text() };
}

export const CONDA_YML = `name: my-env
channels:
  - conda-forge
dependencies:
  - python=3.11
  - pip
  - pip:
      - requests==2.32.3
`;
