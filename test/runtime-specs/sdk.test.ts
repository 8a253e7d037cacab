import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BadRequestError,
  CommonCoreV2,
  ConflictError,
  ForbiddenError,
  NotFoundError,
} from '../../packages/common-core-sdk/src/index.ts';
import { clientFor, rejection } from '../../packages/common-core-sdk/test/helpers.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { CONDA_YML, createWorld, MISSING_ID, type World } from './helpers.ts';

const BASE = 'ab9e1b80-f2ce-592c-a7d2-4f2344f77194';
let s: TestServer;
let w: World;
let editor: CommonCoreV2;
let viewer: CommonCoreV2;

beforeAll(async () => {
  s = await startTestServer();
  w = await createWorld(s);
  editor = clientFor(s, w.editor.apikey);
  viewer = clientFor(s, w.viewer.apikey);
});
afterAll(async () => s?.close());

/** `/v2/assets/{asset}/attachments/{attachment}/content?...` → the ids the SDK's upload takes. */
function uploadTarget(href: string) {
  const [, assetId, attachmentId] = /^\/v2\/assets\/([^/]+)\/attachments\/([^/]+)\/content/.exec(href)!;
  return { assetId: assetId!, attachmentId: attachmentId! };
}

describe.each(['project', 'space'] as const)('runtime specifications through CommonCoreV2 (%s)', (kind) => {
  const scope = () =>
    kind === 'project' ? { projectId: w.containers.project.id } : { spaceId: w.containers.space.id };

  it('hardware specifications: list, create, get, update, delete', async () => {
    const global = await viewer.listHardwareSpecifications({ name: 'L' });
    expect(global.result.resources.map((r) => r.metadata.name)).toEqual(['L']);
    const created = await editor.createHardwareSpecification({
      ...scope(),
      name: `sdk hw ${kind}`,
      nodes: { cpu: { units: '2' }, mem: { size: '4Gi' } },
    });
    expect(created.status).toBe(201);
    const id = created.result.metadata.asset_id;
    const got = await viewer.getHardwareSpecification({ ...scope(), hardwareSpecificationGuid: id });
    expect(got.result.entity.hardware_specification.nodes?.mem?.size).toBe('4Gi');
    const listed = await viewer.listHardwareSpecifications(scope());
    expect(listed.result.resources.some((r) => r.metadata.asset_id === id)).toBe(true);
    if (kind === 'project') {
      const updated = await editor.updateHardwareSpecification({
        projectId: w.containers.project.id,
        hardwareSpecificationGuid: id,
        metadataName: 'sdk hw renamed',
        entityHardwareSpecificationNodesCpuUnits: '500m',
      });
      expect(updated.result.metadata.name).toBe('sdk hw renamed');
      expect(updated.result.entity.hardware_specification.nodes?.cpu?.units).toBe('500m');
    }
    expect(
      await rejection(viewer.deleteHardwareSpecification({ ...scope(), hardwareSpecificationGuid: id })),
    ).toBeInstanceOf(ForbiddenError);
    expect(
      (await editor.deleteHardwareSpecification({ ...scope(), hardwareSpecificationGuid: id })).status,
    ).toBe(204);
    expect(
      await rejection(viewer.getHardwareSpecification({ ...scope(), hardwareSpecificationGuid: id })),
    ).toBeInstanceOf(NotFoundError);
  });

  it('package extensions and software specifications: the whole round trip', async () => {
    const pe = await editor.createPackageExtension({
      ...scope(),
      name: 'sdk conda',
      type: 'conda_yml',
      interpreter: 'mamba',
    });
    expect(pe.status).toBe(201);
    const peId = pe.result.metadata.asset_id;
    const href = pe.result.entity.package_extension.href!;
    await editor.uploadAttachmentContent({ ...scope(), ...uploadTarget(href), body: CONDA_YML });
    const done = await editor.completePackageExtensionUpload({ ...scope(), packageExtensionGuid: peId });
    expect(done.status).toBe(200);
    const listed = await viewer.listPackageExtensions({ ...scope(), type: 'conda_yml' });
    expect(listed.result.resources.some((r) => r.metadata.asset_id === peId)).toBe(true);
    expect(
      (await viewer.getPackageExtension({ ...scope(), packageExtensionGuid: peId })).result.metadata.name,
    ).toBe('sdk conda');
    if (kind === 'project') {
      const patched = await editor.updatePackageExtension({
        projectId: w.containers.project.id,
        packageExtensionGuid: peId,
        metadataDescription: 'described',
      });
      expect(patched.result.metadata.description).toBe('described');
    }

    const sw = await editor.createSoftwareSpecification({
      ...scope(),
      name: `sdk sw ${kind}`,
      baseSoftwareSpecification: { guid: BASE },
    });
    expect(sw.status).toBe(201);
    const swId = sw.result.metadata.asset_id;
    const added = await editor.addSoftwareSpecificationPackageExtension({
      ...scope(),
      softwareSpecificationGuid: swId,
      packageExtensionGuid: peId,
    });
    expect(added.result.entity.software_specification.package_extensions).toHaveLength(1);
    expect(
      await rejection(
        editor.addSoftwareSpecificationPackageExtension({
          ...scope(),
          softwareSpecificationGuid: swId,
          packageExtensionGuid: peId,
        }),
      ),
    ).toBeInstanceOf(ConflictError);
    const got = await viewer.getSoftwareSpecification({ ...scope(), softwareSpecificationGuid: swId });
    expect(got.result.entity.software_specification.software_configuration?.language?.name).toBe('python');
    const filtered = await viewer.listSoftwareSpecifications({
      ...scope(),
      includePackages: 'numpy',
      name: `sdk sw ${kind}`,
    });
    expect(filtered.result.resources.map((r) => r.metadata.asset_id)).toEqual([swId]);
    const updated = await editor.updateSoftwareSpecification({
      ...scope(),
      softwareSpecificationGuid: swId,
      entitySoftwareSpecificationDisplayName: 'SDK runtime',
    });
    expect(updated.result.entity.software_specification.display_name).toBe('SDK runtime');
    expect(
      await rejection(editor.deletePackageExtension({ ...scope(), packageExtensionGuid: peId })),
    ).toBeInstanceOf(ConflictError);
    const removed = await editor.removeSoftwareSpecificationPackageExtension({
      ...scope(),
      softwareSpecificationGuid: swId,
      packageExtensionGuid: peId,
    });
    expect(removed.status).toBe(204);
    expect(
      (await editor.deleteSoftwareSpecification({ ...scope(), softwareSpecificationGuid: swId })).status,
    ).toBe(204);
    expect((await editor.deletePackageExtension({ ...scope(), packageExtensionGuid: peId })).status).toBe(
      204,
    );
  });

  it('environments: list, create, get, update, delete', async () => {
    const defaults = await viewer.listEnvironments({ ...scope(), types: 'notebook', sparkVersions: '3.4' });
    expect(defaults.result.resources.some((r) => r.metadata.asset_id === 'spark34-py311')).toBe(true);
    const xs = (await viewer.listHardwareSpecifications({ name: 'XS' })).result.resources[0]!.metadata
      .asset_id;
    const created = await editor.createEnvironment({
      ...scope(),
      type: 'notebook',
      name: `sdk env ${kind}`,
      displayName: 'SDK env',
      hardwareSpecification: { guid: xs },
      softwareSpecification: { guid: BASE },
      toolsSpecification: { supported_kernels: [{ name: 'python3', language: 'python', version: '3.8' }] },
    });
    expect(created.status).toBe(201);
    const id = created.result.metadata.asset_id;
    const got = await viewer.getEnvironment({ ...scope(), environmentGuid: id });
    expect(got.result.entity.environment.display_name).toBe('SDK env');
    if (kind === 'project') {
      const updated = await editor.updateEnvironment({
        projectId: w.containers.project.id,
        environmentGuid: id,
        entityEnvironmentDisplayName: 'SDK env 2',
        entityEnvironmentEnvironmentVariables: { K: 'V' },
      });
      expect(updated.result.entity.environment).toMatchObject({
        display_name: 'SDK env 2',
        environment_variables: { K: 'V' },
      });
    }
    expect(
      await rejection(
        editor.createEnvironment({
          ...scope(),
          type: 'notebook',
          name: 'x',
          displayName: 'x',
          hardwareSpecification: { guid: MISSING_ID },
        }),
      ),
    ).toBeInstanceOf(BadRequestError);
    expect((await editor.deleteEnvironment({ ...scope(), environmentGuid: id })).status).toBe(204);
    expect(await rejection(viewer.getEnvironment({ ...scope(), environmentGuid: id }))).toBeInstanceOf(
      NotFoundError,
    );
  });
});
