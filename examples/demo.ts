/**
 * `npm run demo`: a walk through the main features with the common core SDK, printing each step.
 *
 * Against a running server: `CC_URL=http://localhost:8080 CC_APIKEY=... npm run demo`.
 * Without CC_URL it starts its own server on a temporary embedded database and removes it after.
 * The connection step really connects to PostgreSQL at DEMO_PG_URL (default the local server); when
 * none answers, it saves the connection untested (`test=false`) and says so.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CommonCoreV2,
  IamAuthenticator,
  waitForAssetExport,
  waitForAssetImport,
  waitForJobRunCompleted,
  waitForSpaceActive,
} from '../packages/common-core-sdk/src/index.ts';

const step = (text: string) => console.log(`\n== ${text}`);
const say = (text: string) => console.log(`   ${text}`);

/** Our own server on a temporary SQLite database, when the caller has none. */
async function startLocalServer(): Promise<{ url: string; apikey: string; stop(): Promise<void> }> {
  const { buildServer } = await import('../packages/server/src/app.ts');
  const { loadConfig } = await import('../packages/server/src/platform/config.ts');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-demo-'));
  const apikey = 'demo-' + crypto.randomBytes(16).toString('hex');
  const config = {
    ...loadConfig({}),
    dataDir,
    host: '127.0.0.1',
    port: 0,
    logLevel: 'warn',
    adminApiKey: apikey,
  };
  const built = await buildServer(config);
  const url = await built.app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url,
    apikey,
    async stop() {
      await built.app.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A connection to PostgreSQL: tested for real when it answers, saved untested otherwise. */
async function defineConnection(service: CommonCoreV2, projectId: string) {
  const pg = new URL(process.env.DEMO_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  const properties = {
    host: pg.hostname,
    port: pg.port || '5432',
    database: pg.pathname.slice(1) || 'postgres',
    username: decodeURIComponent(pg.username || 'postgres'),
    password: decodeURIComponent(pg.password || 'not-needed-with-trust-auth'),
  };
  const name = 'Local PostgreSQL';
  try {
    const saved = await service.saveConnection({ projectId, datasourceType: 'postgresql', name, properties });
    say(
      `connected to ${pg.hostname}:${properties.port} and saved connection ${saved.result.metadata.asset_id}`,
    );
    const tables = await service.discoverAssets({
      connectionId: saved.result.metadata.asset_id!,
      projectId,
      path: '/',
      limit: 5,
    });
    const found = (tables.result as any).assets?.map((a: any) => a.name) ?? [];
    say(`its schemas: ${found.join(', ') || '(none)'}`);
  } catch (err) {
    say(`PostgreSQL did not answer (${(err as Error).message}); saving the connection untested`);
    const saved = await service.saveConnection({
      projectId,
      datasourceType: 'postgresql',
      name,
      properties,
      test: false,
    });
    say(`saved connection ${saved.result.metadata.asset_id} (not tested)`);
  }
}

/** A Python script asset: the asset, an attachment, its content, then "complete". */
async function createScript(service: CommonCoreV2, projectId: string, code: string): Promise<string> {
  const asset = await service.createAsset({
    projectId,
    metadata: { name: 'hello.py', asset_type: 'script' },
    entity: { script: { language: { name: 'python3' } } },
  });
  const assetId = asset.result.metadata.asset_id!;
  const attachment = await service.createAttachment({
    assetId,
    projectId,
    assetType: 'script',
    name: 'main.py',
    mime: 'text/x-python',
  });
  const attachmentId = attachment.result.attachment_id!;
  await service.uploadAttachmentContent({ assetId, attachmentId, projectId, body: code });
  await service.completeAttachment({ assetId, attachmentId, projectId });
  return assetId;
}

async function demo(url: string, apikey: string): Promise<void> {
  const service = new CommonCoreV2({ authenticator: new IamAuthenticator({ apikey, url }), serviceUrl: url });

  step('Project');
  const created = await service.transactionalPostProject({
    name: `Demo ${new Date().toISOString()}`,
    generator: 'demo',
    storage: { type: 'assetfiles' },
  });
  const projectId = created.result.location!.split('/').pop()!;
  const { result: project } = await service.getProject({ projectId, include: 'fields,members' });
  say(`created "${project.entity?.name}" (${projectId}); admin: ${project.entity?.members?.[0]?.user_name}`);

  step('Space');
  const space = await service.createSpace({ name: 'Demo space', description: 'made by npm run demo' });
  const spaceId = space.result.metadata!.id!;
  const active = await waitForSpaceActive(service, { spaceId, timeoutMs: 30_000 });
  say(`space ${spaceId} is ${active.entity?.status?.state}`);

  step('Connection');
  await defineConnection(service, projectId);

  step('Script asset');
  const code = [
    'import os, sys',
    "print(f\"hello, {os.environ.get('WHO', 'world')}\")",
    'print("python", sys.version.split()[0])',
    'for i in range(3): print("line", i + 1)',
  ].join('\n');
  const scriptId = await createScript(service, projectId, code + '\n');
  say(`script asset ${scriptId} holds ${code.split('\n').length} lines of Python`);

  step('Job and run');
  const job = await service.createJob({
    projectId,
    job: { name: 'Say hello', asset_ref: scriptId, job_parameters: [{ name: 'WHO', value: 'demo' }] },
  });
  const jobId = job.result.metadata!.asset_id!;
  const run = await service.createJobRun({ projectId, jobId, jobRun: { name: 'first run' } });
  const runId = run.result.asset_id!;
  say(`job ${jobId}: run ${runId} queued`);
  const finished = await waitForJobRunCompleted(service, {
    projectId,
    jobId,
    runId,
    timeoutMs: 60_000,
    onProgress: (r) => say(`run state: ${(r as any).entity?.job_run?.state}`),
  });
  say(`run ended ${(finished as any).entity?.job_run?.state}; its logs:`);
  const logs = await service.getJobRunLogs({ projectId, jobId, runId, limit: 50 });
  for (const line of (logs.result as any).results ?? []) say(`  | ${line}`);

  step('Export');
  const started = await service.createAssetExport({
    projectId,
    name: 'demo export',
    assets: { all_assets: true },
  });
  const exportId = started.result.metadata!.id!;
  const exported = await waitForAssetExport(service, { exportId, projectId, timeoutMs: 60_000 });
  say(`export ${exportId} is ${(exported as any).entity?.status?.state}`);
  const content = await service.getAssetExportContent({ exportId, projectId });
  const chunks: Buffer[] = [];
  for await (const chunk of content.result as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  const zip = Buffer.concat(chunks);
  say(`downloaded ${zip.length.toLocaleString('en-US')} bytes of zip`);

  step('Import into a new project');
  const target = await service.transactionalPostProject({
    name: `Demo copy ${Date.now()}`,
    generator: 'demo',
    storage: { type: 'assetfiles' },
  });
  const targetId = target.result.location!.split('/').pop()!;
  const imp = await service.createAssetImport({ projectId: targetId, body: zip });
  const importId = imp.result.metadata!.id!;
  const imported = await waitForAssetImport(service, { importId, projectId: targetId, timeoutMs: 60_000 });
  say(`import ${importId} is ${(imported as any).entity?.status?.state}`);
  const jobs = await service.listJobs({ projectId: targetId });
  say(`the new project has ${(jobs.result as any).results?.length ?? 0} job(s), with new ids`);

  step('Done');
  say(`open ${url}/docs to try every operation`);
}

const given = process.env.CC_URL;
if (given) {
  if (!process.env.CC_APIKEY)
    throw new Error('CC_URL is set: set CC_APIKEY to an API key of that server too');
  await demo(given.replace(/\/$/, ''), process.env.CC_APIKEY);
} else {
  step('Starting a server on a temporary embedded database');
  const local = await startLocalServer();
  say(`listening on ${local.url}`);
  try {
    await demo(local.url, local.apikey);
  } finally {
    await local.stop();
  }
}
