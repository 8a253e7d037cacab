import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import {
  BadRequestError,
  CommonCoreV2,
  ForbiddenError,
  NotFoundError,
} from '../../packages/common-core-sdk/src/index.ts';
import { clientFor, rejection } from '../../packages/common-core-sdk/test/helpers.ts';
import { newProject, addMembers } from '../projects/projects-fixtures.ts';
import type { Container } from '../assets/helpers.ts';
import { eventually } from '../spaces/helpers.ts';
import { assetWithAttachments, storedAssets, unzip } from './helpers.ts';

let s: TestServer;
let admin: CommonCoreV2;
let asViewer: CommonCoreV2;
let projectId: string;
let c: Container;

beforeAll(async () => {
  s = await startTestServer();
  admin = clientFor(s, s.adminKey);
  const viewer = await s.createUser('viewer');
  asViewer = clientFor(s, viewer.apikey);
  projectId = await newProject(s, s.adminToken);
  c = { kind: 'project', id: projectId, q: `project_id=${projectId}` };
  await addMembers(s, s.adminToken, projectId, [{ user: viewer, role: 'viewer' }]);
});
afterAll(async () => s?.close());

const done = (state: string) => !['pending', 'in_progress'].includes(state);

async function toBuffer(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

describe('asset exports and imports through the SDK', () => {
  it('starts, gets, lists, downloads (a stream), imports (a stream) and cancels', async () => {
    const bytes = crypto.randomBytes(100_000);
    await assetWithAttachments(s, s.adminToken, c, { name: 'report' }, { kind: 'r' }, [bytes]);
    const started = await admin.createAssetExport({
      projectId,
      name: 'sdk export',
      assets: { all_assets: true },
    });
    expect(started.status).toBe(200);
    const exportId = started.result.metadata.id;
    const finished = await eventually(
      () => admin.getAssetExport({ exportId, projectId }),
      (r) => done(r.result.entity!.status!.state),
    );
    expect(finished.result.entity?.status?.state).toBe('completed');
    const list = await asViewer.listAssetExports({ projectId, limit: 10 });
    expect(list.result.resources.map((r) => r.metadata.id)).toContain(exportId);

    const content = await asViewer.getAssetExportContent({ exportId, projectId });
    expect(content.status).toBe(200);
    const zip = await toBuffer(content.result);
    const files = await unzip(zip);
    expect([...files.values()].some((f) => f.equals(bytes))).toBe(true);

    const targetId = await newProject(s, s.adminToken);
    const imp = await admin.createAssetImport({ projectId: targetId, body: Readable.from([zip]) });
    expect(imp.status).toBe(200);
    const importId = imp.result.metadata.id;
    const imported = await eventually(
      () => admin.getAssetImport({ importId, projectId: targetId }),
      (r) => done(r.result.entity!.status!.state),
    );
    expect(imported.result.entity?.status?.state).toBe('completed');
    expect((await admin.listAssetImports({ projectId: targetId })).result.resources).toHaveLength(1);

    // the same archive as the `file` of a multipart form, streamed
    const formTarget = await newProject(s, s.adminToken);
    const viaForm = await admin.createAssetImport({
      projectId: formTarget,
      file: Readable.from([zip]),
      format: 'json',
    });
    expect(viaForm.status).toBe(200);
    const formDone = await eventually(
      () => admin.getAssetImport({ importId: viaForm.result.metadata.id, projectId: formTarget }),
      (r) => done(r.result.entity!.status!.state),
    );
    expect(formDone.result.entity?.status?.state).toBe('completed');
    const rows = await storedAssets(s, { kind: 'project', id: targetId, q: '' });
    expect(rows.map((r: any) => r.name)).toEqual(['report']);

    // cancelling a finished import: 400; hard delete: gone (404)
    expect(await rejection(admin.cancelAssetImport({ importId, projectId: targetId }))).toBeInstanceOf(
      BadRequestError,
    );
    expect((await admin.cancelAssetImport({ importId, projectId: targetId, hardDelete: true })).status).toBe(
      200,
    );
    expect(await rejection(admin.getAssetImport({ importId, projectId: targetId }))).toBeInstanceOf(
      NotFoundError,
    );
    expect((await admin.cancelAssetExport({ exportId, projectId, hardDelete: true })).status).toBe(200);
    expect(await rejection(admin.getAssetExportContent({ exportId, projectId }))).toBeInstanceOf(
      NotFoundError,
    );
  });

  it('answers typed errors: viewers cannot start, bad selections are refused', async () => {
    expect(
      await rejection(asViewer.createAssetExport({ projectId, assets: { all_assets: true } })),
    ).toBeInstanceOf(ForbiddenError);
    expect(
      await rejection(asViewer.createAssetImport({ projectId, body: Buffer.from('not a zip') })),
    ).toBeInstanceOf(ForbiddenError);
    expect(await rejection(admin.createAssetExport({ projectId, assets: {} }))).toBeInstanceOf(
      BadRequestError,
    );
    expect(
      await rejection(admin.createAssetImport({ projectId, body: Buffer.from('not a zip') })),
    ).toBeInstanceOf(BadRequestError);
    expect(
      await rejection(admin.getAssetExport({ exportId: crypto.randomUUID(), projectId })),
    ).toBeInstanceOf(NotFoundError);
  });
});
