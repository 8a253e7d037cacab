/**
 * Cost growth of asset reads: the same get, search and type list with 1,000, 10,000 and 100,000
 * assets in one project (goal: flat). The assets are written straight into the server's database
 * through the asset repository, in one transaction per step, not over HTTP.
 */
import { sql } from 'kysely';
import type { BenchModule, BenchRow } from './module.ts';
import { medianMs, startOurs, type OurServer } from './lib.ts';
import { openStore } from '../packages/server/src/store/db.ts';
import { loadConfig } from '../packages/server/src/platform/config.ts';
import { assetStoreOf } from '../packages/server/src/areas/assets/store.ts';

/** Adds assets `from..to-1` to the project through the repository, in one transaction. */
async function fill(s: OurServer, projectId: string, creator: string, from: number, to: number) {
  const config = loadConfig({ ...process.env, ...s.env });
  const store = openStore(config);
  try {
    const { assets } = assetStoreOf({ store, config });
    await store.db.transaction().execute(async (trx) => {
      for (let i = from; i < to; i++) {
        await assets.createAsset(
          {
            container: { kind: 'project', id: projectId },
            asset_type: 'data_asset',
            name: `bench asset ${i}`,
            description: i % 100 === 0 ? 'a hundredth' : 'bench',
            tags: i % 100 === 0 ? ['bench', 'hundredth'] : ['bench'],
            creator_id: creator,
          },
          trx as any,
        );
      }
    });
    // Fresh planner statistics, as a server has them soon after a bulk load: on PostgreSQL what
    // autovacuum does within a minute (off on some machines), on SQLite what the store's own
    // `PRAGMA optimize` does every 10 minutes and when it closes (below).
    if (store.dialect === 'postgres') await sql`analyze`.execute(store.db);
  } finally {
    await store.close();
  }
}

const assetScale: BenchModule = async ({ quick, dbs }) => {
  const sizes = quick ? [1_000, 10_000] : [1_000, 10_000, 100_000];
  const samples = quick ? 30 : 100;
  const rows: BenchRow[] = [];
  for (const db of dbs) {
    const s = await startOurs(db);
    try {
      const headers = { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' };
      const created = await fetch(s.url + '/transactional/v2/projects', {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: 'asset scale', generator: 'bench', storage: { type: 'assetfiles' } }),
      });
      const projectId = ((await created.json()) as { location: string }).location.split('/').pop()!;
      const users = (await (await fetch(s.url + '/admin/v1/users', { headers })).json()) as {
        resources: { iam_id: string }[];
      };
      const creator = users.resources[0].iam_id;
      let filled = 0;
      const first: Record<string, number> = {};
      for (const size of sizes) {
        await fill(s, projectId, creator, filled, size);
        filled = size;
        const assetId = await probeAssetId(s, projectId, size);
        const requests: [string, () => Promise<Response>][] = [
          [
            'GET /v2/assets/{id}',
            () => fetch(`${s.url}/v2/assets/${assetId}?project_id=${projectId}`, { headers }),
          ],
          ['search *:* (limit 10)', () => search(s, projectId, { query: '*:*', limit: 10 })],
          [
            'search one tag (1 in 100, limit 10)',
            () => search(s, projectId, { query: 'asset.tags:hundredth', limit: 10 }),
          ],
          [
            'GET /v2/asset_types',
            () => fetch(`${s.url}/v2/asset_types?project_id=${projectId}`, { headers }),
          ],
        ];
        for (const [name, call] of requests) {
          const probe = await call();
          if (probe.status !== 200) throw new Error(`${name}: ${probe.status} ${await probe.text()}`);
          const p50 = await medianMs(samples, async () => {
            await (await call()).arrayBuffer();
          });
          first[name] ??= p50;
          rows.push({
            name: `${name}, ${size.toLocaleString('en-US')} assets in the project: p50`,
            db,
            figure: p50,
            unit: 'ms',
            baseline:
              size === sizes[0]
                ? '-'
                : `${first[name].toFixed(2)} (with ${sizes[0].toLocaleString('en-US')})`,
            ratio: size === sizes[0] ? null : p50 / first[name],
            note: 'flat (ratio ~1)',
          });
        }
      }
    } finally {
      await s.stop();
    }
  }
  return rows;
};
export default assetScale;

function search(s: OurServer, projectId: string, body: object) {
  return fetch(`${s.url}/v2/asset_types/data_asset/search?project_id=${projectId}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** An asset from the middle of the project, found through search. */
async function probeAssetId(s: OurServer, projectId: string, size: number): Promise<string> {
  const res = await search(s, projectId, {
    query: `asset.name:"bench asset ${Math.floor(size / 2)}"`,
    limit: 1,
  });
  const body = (await res.json()) as { results?: { metadata: { asset_id: string } }[] };
  const id = body.results?.[0]?.metadata.asset_id;
  if (!id) throw new Error(`no asset found by name: ${res.status} ${JSON.stringify(body)}`);
  return id;
}
