import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findEnvironment } from '../../packages/server/src/areas/environments/catalog.ts';
import { findHardwareSpecification } from '../../packages/server/src/areas/hardware-specifications/catalog.ts';
import { findSoftwareSpecification } from '../../packages/server/src/areas/software-specifications/catalog.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s?.close());

describe('built-in catalogs (the functions jobs and runs use)', () => {
  it('finds a built-in hardware specification by name and by id, with its size', async () => {
    const xs = await findHardwareSpecification(s.built.ctx, undefined, 'XS');
    expect(xs).toMatchObject({
      name: 'XS',
      built_in: true,
      nodes: { cpu: { units: '2' }, mem: { size: '8Gi' } },
    });
    expect(await findHardwareSpecification(s.built.ctx, undefined, xs!.id)).toEqual(xs);
    const gpu = await findHardwareSpecification(s.built.ctx, undefined, 'V100x2');
    expect(gpu?.nodes?.gpu).toMatchObject({ num_gpu: 2, name: 'v100' });
    expect(await findHardwareSpecification(s.built.ctx, undefined, 'no such size')).toBeUndefined();
  });

  it('finds a default environment with references to built-in specifications', async () => {
    const env = await findEnvironment(s.built.ctx, undefined, 'runtime-24.1-py3.11-xs');
    expect(env).toMatchObject({ sub_type: 'notebook', built_in: true });
    const hw = await findHardwareSpecification(s.built.ctx, undefined, env!.hardware_specification.guid);
    expect(hw?.name).toBe('XS');
    const sw = await findSoftwareSpecification(s.built.ctx, undefined, env!.software_specification!.guid);
    expect(sw).toMatchObject({ name: 'runtime-24.1-py3.11', type: 'base' });
    expect(sw?.software_configuration?.language).toEqual({ name: 'python', version: '3.11' });
    expect(await findEnvironment(s.built.ctx, undefined, 'nope')).toBeUndefined();
  });

  it('keeps the public ids of the specifications the seed refers to', async () => {
    const base = await findSoftwareSpecification(
      s.built.ctx,
      undefined,
      'ab9e1b80-f2ce-592c-a7d2-4f2344f77194',
    );
    expect(base?.name).toBe('default_py3.8');
  });
});
