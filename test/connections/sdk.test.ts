import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CommonCoreV2,
  ForbiddenError,
  NotFoundError,
  BadRequestError,
} from '../../packages/common-core-sdk/src/index.ts';
import { clientFor, rejection } from '../../packages/common-core-sdk/test/helpers.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createAsset, createWorld, type World } from '../assets/helpers.ts';
import { MARIA, PG } from './helpers.ts';

let s: TestServer;
let w: World;
let editor: CommonCoreV2;
let viewer: CommonCoreV2;
let outsider: CommonCoreV2;
let admin: CommonCoreV2;
let projectId: string;

beforeAll(async () => {
  s = await startTestServer();
  w = await createWorld(s);
  editor = clientFor(s, w.editor.apikey);
  viewer = clientFor(s, w.viewer.apikey);
  outsider = clientFor(s, w.outsider.apikey);
  admin = clientFor(s, s.adminKey);
  projectId = w.containers.project.id;
});
afterAll(async () => s?.close());

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  const parts: Buffer[] = [];
  for await (const p of stream as Readable) parts.push(Buffer.from(p));
  return Buffer.concat(parts).toString();
}

describe('connections through the SDK', () => {
  it('defines, lists, gets, updates, discovers, acts on and deletes a connection', async () => {
    const created = await editor.saveConnection({
      projectId,
      datasourceType: 'postgresql',
      name: 'sdk pg',
      properties: PG,
    });
    expect(created.status).toBe(201);
    const connectionId = created.result.metadata.asset_id!;

    const list = await viewer.listConnections({
      projectId,
      sort: '-entity.name',
      entityProperties: JSON.stringify({ host: PG.host }),
    });
    expect(list.result.resources.map((r) => r.entity.name)).toContain('sdk pg');
    // The seed's creator filter, by its own name.
    const mine = await viewer.listConnections({ projectId, metadataCreatorId: w.editor.iam_id });
    expect(mine.result.resources.map((r) => r.entity.name)).toContain('sdk pg');
    const theirs = await viewer.listConnections({ projectId, metadataCreatorId: w.viewer.iam_id });
    expect(theirs.result.resources.map((r) => r.entity.name)).not.toContain('sdk pg');
    const all = await new CommonCoreV2.ConnectionsPager(viewer, { projectId, limit: 1 }).getAll();
    expect(all.length).toBeGreaterThanOrEqual(1);

    const got = await viewer.getConnection({ connectionId, projectId, decryptSecrets: false });
    expect(got.result.entity.properties?.password).toBeUndefined();

    const updated = await editor.updateConnection({
      connectionId,
      projectId,
      jsonPatch: [{ op: 'replace', path: '/name', value: 'sdk pg 2' }],
    });
    expect(updated.result.name).toBe('sdk pg 2');

    const found = await viewer.discoverAssets({ connectionId, projectId, path: '/' });
    expect(found.result.assets?.map((a) => a.name)).toContain('public');
    const anon = await outsider.discoverAssetsAnonymously({
      path: '/',
      datasourceType: 'mariadb',
      name: 'anon',
      bodyProperties: MARIA,
    });
    expect(anon.result.assets?.map((a) => a.name)).toContain('test');
    const asset = await createAsset(
      s,
      w.editor.token,
      w.containers.project,
      { name: 'sdk data' },
      {
        data_asset: { connection_id: connectionId, connection_path: '/public' },
      },
    );
    const data = await viewer.discoverDataAsset({ dataAssetId: asset.metadata.asset_id, projectId });
    expect(data.result.path).toBe('/public');

    const actions = await viewer.listActions({ connectionId, projectId });
    expect(actions.result.actions.map((a) => a.name)).toContain('test');
    const tested = await viewer.performAction({
      connectionId,
      projectId,
      actionName: 'test',
      connectionActionConfiguration: {},
    });
    expect(tested.result).toMatchObject({ result: 'success' });

    expect(await rejection(viewer.deleteConnection({ connectionId, projectId }))).toBeInstanceOf(
      ForbiddenError,
    );
    expect((await editor.deleteConnection({ connectionId, projectId })).status).toBe(204);
    expect(await rejection(viewer.getConnection({ connectionId, projectId }))).toBeInstanceOf(NotFoundError);
    expect(
      await rejection(
        editor.saveConnection({
          projectId,
          datasourceType: 'postgresql',
          name: 'bad',
          properties: { ...PG, port: 1 },
        }),
      ),
    ).toBeInstanceOf(BadRequestError);
  });

  it('uploads, lists, downloads, migrates and deletes connection files', async () => {
    const up = await editor.uploadConnectionFile({ fileName: 'sdk.pem', body: 'certificate bytes' });
    expect(up.result.fileName).toBe('sdk.pem');
    const list = await viewer.listConnectionFiles({ limit: 10 });
    expect(list.result.resources.map((f) => f.hash)).toContain(up.result.hash);
    const down = await viewer.downloadConnectionFile({ fileName: 'sdk.pem', hash: up.result.hash });
    expect(await text(down.result)).toBe('certificate bytes');
    const migrated = await admin.migrateConnectionFiles({ listOnly: true });
    expect(migrated.status).toBe(200);
    expect(await rejection(viewer.deleteConnectionFile({ fileName: 'sdk.pem' }))).toBeInstanceOf(
      ForbiddenError,
    );
    expect((await editor.deleteConnectionFile({ fileName: 'sdk.pem', hash: up.result.hash })).status).toBe(
      204,
    );
  });
});

describe('data source types through the SDK', () => {
  it('lists, gets, defines, updates and deletes', async () => {
    const list = await viewer.listDatasourceTypes({ limit: 5, sort: 'entity.type' });
    expect(list.result.resources).toHaveLength(5);
    const pgType = await viewer.getDatasourceType({
      datasourceType: 'postgresql',
      connectionProperties: true,
    });
    expect(pgType.result.entity.connection_properties?.some((p) => p.name === 'password' && p.masked)).toBe(
      true,
    );
    const created = await editor.createDatasourceType({
      name: 'sdk_type',
      baseDatasourceType: 'postgresql',
      label: 'SDK type',
    });
    expect(created.status).toBe(201);
    const id = created.result.datasource_types[0].metadata.asset_id!;
    const updated = await editor.updateDatasourceType({
      datasourceType: id,
      jsonPatch: [{ op: 'replace', path: '/label', value: 'Renamed' }],
    });
    expect(updated.result.label).toBe('Renamed');
    expect(await rejection(viewer.deleteDatasourceType({ datasourceType: id }))).toBeInstanceOf(
      ForbiddenError,
    );
    expect((await editor.deleteDatasourceType({ datasourceType: id })).status).toBe(204);
    expect(await rejection(viewer.getDatasourceType({ datasourceType: id }))).toBeInstanceOf(NotFoundError);
  });
});
