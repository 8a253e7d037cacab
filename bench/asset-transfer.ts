/**
 * Asset exports and imports of a project with many assets and attachments (full: 10,000 assets,
 * 1,000 of them with a 200 KiB attachment, 200 MiB in all; quick: a tenth of that), on our server
 * run as a child process. Figures: assets per second of the export (start to completed) and of
 * the import (from the start of the upload to completed; the note says when the upload was
 * answered, its attachments stored), beside the baseline measured in the same run: assets per
 * second created one by one through the asset API (how the project was filled). And the
 * server's peak RSS during the export above its RSS just before it (sampled from /proc). Assets
 * per second of the server's CPU time are printed too: on a shared machine, the least noisy figure.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { cpuMs, PG_URL, pool, startOurs, type OurServer } from './lib.ts';
import type { BenchDb, BenchModule, BenchRow } from './module.ts';

const MiB = 1024 * 1024;
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

async function call(s: OurServer, method: string, url: string, body?: unknown): Promise<any> {
  const res = await fetch(s.url + url, {
    method,
    headers: {
      authorization: `Bearer ${s.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Fills a new project through the asset API; answers it and the creation rate (assets/s). */
async function fill(s: OurServer, assets: number, withAttachment: number, attachmentBytes: number) {
  const created = await call(s, 'POST', '/transactional/v2/projects', {
    name: `transfer bench ${crypto.randomBytes(3).toString('hex')}`,
    generator: 'bench',
    storage: { type: 'assetfiles' },
  });
  const projectId = created.location.split('/').pop() as string;
  const q = `project_id=${projectId}`;
  const content = crypto.randomBytes(attachmentBytes);
  const t0 = performance.now();
  const ids = Array.from({ length: assets }, (_, i) => i);
  await pool(ids, 16, async (i) => {
    const asset = await call(s, 'POST', `/v2/assets?${q}`, {
      metadata: { name: `asset ${i}`, asset_type: i % 3 ? 'data_asset' : 'script', tags: ['bench'] },
      entity: { n: i, notes: 'x'.repeat(200) },
    });
    if (i >= withAttachment) return;
    const id = asset.metadata.asset_id;
    const att = await call(s, 'POST', `/v2/assets/${id}/attachments?${q}`, {
      name: `file ${i}`,
      mime: 'application/octet-stream',
    });
    const put = await fetch(`${s.url}/v2/assets/${id}/attachments/${att.attachment_id}/content?${q}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/octet-stream' },
      body: content,
    });
    if (put.status !== 200) throw new Error(`upload: ${put.status}`);
    await call(s, 'POST', `/v2/assets/${id}/attachments/${att.attachment_id}/complete?${q}`);
  });
  return { q, perSecond: assets / ((performance.now() - t0) / 1000) };
}

async function until(s: OurServer, url: string): Promise<any> {
  for (;;) {
    const body = await call(s, 'GET', url);
    const state = body.entity.status.state;
    if (state === 'completed') return body;
    if (state === 'failed' || state === 'cancelled')
      throw new Error(`${url}: ${JSON.stringify(body.entity.status)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * PostgreSQL: the WAL written from `since` (an LSN) on, in MiB, and the LSN now. The WAL is the
 * cluster's: other work on the same PostgreSQL adds to it, so it is an upper bound.
 */
async function walSince(since?: string): Promise<{ mib: number; lsn: string }> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    const { rows } = await c.query(
      'select pg_current_wal_lsn()::text as lsn, pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn) as diff',
      [since ?? '0/0'],
    );
    return { mib: Number(rows[0].diff) / MiB, lsn: rows[0].lsn };
  } finally {
    await c.end();
  }
}

async function runOn(db: BenchDb, quick: boolean): Promise<BenchRow[]> {
  const assets = quick ? 1_000 : 10_000;
  const withAttachment = assets / 10;
  const attachmentBytes = Math.floor(((quick ? 20 : 200) * MiB) / withAttachment);
  const s = await startOurs(db);
  const file = path.join(os.tmpdir(), `transfer-bench-${crypto.randomUUID()}.zip`);
  try {
    const { q, perSecond: apiRate } = await fill(s, assets, withAttachment, attachmentBytes);
    global.gc?.();
    await new Promise((r) => setTimeout(r, 1000));
    const idle = rssBytes(s.pid);
    let peak = idle;
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(s.pid))), 25);
    const t0 = performance.now();
    const cpu0 = cpuMs(s.pid);
    const started = await call(s, 'POST', `/v2/asset_exports?${q}`, {
      name: 'bench',
      assets: { all_assets: true },
    });
    await until(s, `/v2/asset_exports/${started.metadata.id}?${q}`);
    const exportSeconds = (performance.now() - t0) / 1000;
    const exportCpu = (cpuMs(s.pid) - cpu0) / 1000;
    clearInterval(sampler);
    const res = await fetch(`${s.url}/v2/asset_exports/${started.metadata.id}/content?${q}`, {
      headers: { authorization: `Bearer ${s.token}` },
    });
    await pipeline(Readable.fromWeb(res.body as any), fs.createWriteStream(file));
    const size = fs.statSync(file).size;

    const target = await call(s, 'POST', '/transactional/v2/projects', {
      name: `transfer bench target ${crypto.randomBytes(3).toString('hex')}`,
      generator: 'bench',
      storage: { type: 'assetfiles' },
    });
    const tq = `project_id=${target.location.split('/').pop()}`;
    const wal0 = db === 'postgres' ? (await walSince()).lsn : undefined;
    const t1 = performance.now();
    const cpu1 = cpuMs(s.pid);
    const upload = await fetch(`${s.url}/v2/asset_imports?${tq}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${s.token}`,
        'content-type': 'application/zip',
        'content-length': String(size),
      },
      body: fs.createReadStream(file) as any,
      duplex: 'half',
    } as RequestInit);
    const imp = (await upload.json()) as any;
    if (upload.status !== 200) throw new Error(`import: ${upload.status} ${JSON.stringify(imp)}`);
    // The upload's answer comes once the archive is checked and its attachments stored.
    const answeredSeconds = (performance.now() - t1) / 1000;
    await until(s, `/v2/asset_imports/${imp.metadata.id}?${tq}`);
    const importSeconds = (performance.now() - t1) / 1000;
    const importCpu = (cpuMs(s.pid) - cpu1) / 1000;
    // The bytes an import sends to PostgreSQL: its attachments (once) and its rows, plus their WAL overhead.
    const walMiB = wal0 === undefined ? undefined : (await walSince(wal0)).mib;

    const scale = `${fmt(assets)} assets, ${fmt(Math.round((withAttachment * attachmentBytes) / MiB))} MiB`;
    const exportRate = assets / exportSeconds;
    const importRate = assets / importSeconds;
    return [
      {
        name: `asset export (${scale})`,
        db,
        figure: `${fmt(exportRate)} (${fmt(assets / exportCpu)} per server CPU-s)`,
        unit: 'assets/s',
        baseline: `${fmt(apiRate)} (asset API, 16 clients)`,
        ratio: exportRate / apiRate,
        note: 'goal >= 2,000 assets/s',
      },
      {
        name: `asset import (${scale})`,
        db,
        figure: `${fmt(importRate)} (${fmt(assets / importCpu)} per server CPU-s)`,
        unit: 'assets/s',
        baseline: `${fmt(apiRate)} (asset API, 16 clients)`,
        ratio: importRate / apiRate,
        note:
          `goal >= 2,000 assets/s; upload answered after ${fmt(answeredSeconds, 1)} of ${fmt(importSeconds, 1)} s` +
          (walMiB === undefined ? '' : `; ${fmt(walMiB)} MiB of WAL`),
      },
      {
        name: `asset export (${scale}): server peak RSS above idle`,
        db,
        figure: Math.round(((peak - idle) / MiB) * 10) / 10,
        unit: 'MiB',
        baseline: `${fmt(idle / MiB)} MiB idle`,
        ratio: null,
        note: 'goal <= 150 MiB',
      },
    ];
  } finally {
    fs.rmSync(file, { force: true });
    await s.stop();
  }
}

const assetTransfer: BenchModule = async ({ quick, dbs }) => {
  const rows: BenchRow[] = [];
  for (const db of dbs) rows.push(...(await runOn(db, quick)));
  return rows;
};

export default assetTransfer;
