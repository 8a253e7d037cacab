import fc from 'fast-check';
import { Migrator, sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../packages/server/src/store/db.ts';
import { allMigrations, migrateToLatest } from '../../packages/server/src/store/migrations.ts';
import { loadConfig } from '../../packages/server/src/platform/config.ts';
import { createTestDatabase, startTestServer, TEST_DB, type TestServer } from '../helpers/server.ts';
import { createWorld, type Container, type World } from '../assets/helpers.ts';
import { createConnection, patch } from './helpers.ts';

/**
 * The connection list's index (entries, facets, counts) stays exact whichever API changes a
 * connection: the connections API, the generic asset API (PATCH, DELETE, POST), and on a database
 * that predates the facets.
 */
let s: TestServer;
let w: World;
let c: Container;

beforeAll(async () => {
  s = await startTestServer();
  w = await createWorld(s);
  c = w.containers.project;
});
afterAll(async () => s?.close());

const mysql = (name: string, host: string, flags: string[] = []) => ({
  datasource_type: 'mysql',
  name,
  flags,
  properties: { host, port: 3306, database: 'sales', username: 'u' },
});

const list = async (query: string) => {
  const res = await s.call('GET', `/v2/connections?${c.q}&sort=entity.name${query}`, {
    token: w.viewer.token,
  });
  expect(res.status, res.text).toBe(200);
  return {
    names: res.body.resources.map((r: any) => r.entity.name) as string[],
    total: res.body.total_count,
  };
};
const host = (h: string) => `&entity.properties=${encodeURIComponent(JSON.stringify({ host: h }))}`;

/** The counts the triggers keep equal a count of the facet rows, row for row. */
async function expectCountsExact() {
  const db = s.built.ctx.store.db as unknown as Kysely<any>;
  const kept = await sql<{ k: string; n: number }>`
    select container_kind || '|' || container_id || '|' || facet || '|' || flags as k, n
    from connection_counts order by k`.execute(db);
  const real = await sql<{ k: string; n: number }>`
    select container_kind || '|' || container_id || '|' || facet || '|' || flags as k, count(*) as n
    from connection_facets group by container_kind, container_id, facet, flags order by k`.execute(db);
  expect(kept.rows.map((r) => [r.k, Number(r.n)])).toEqual(real.rows.map((r) => [r.k, Number(r.n)]));
}

describe('changes through the generic asset API', () => {
  it('PATCH /v2/assets/{id} reindexes name, properties and flags in the same transaction', async () => {
    const a = await createConnection(s, w.editor.token, c, mysql('gen-a', 'ga.example.com'), '&test=false');
    await createConnection(s, w.editor.token, c, mysql('gen-b', 'gb.example.com'), '&test=false');
    const id = a.metadata.asset_id;
    expect(await list(host('ga.example.com'))).toEqual({ names: ['gen-a'], total: 1 });

    const res = await patch(s, w.editor.token, `/v2/assets/${id}?${c.q}`, [
      { op: 'replace', path: '/metadata/name', value: 'gen-z' },
      { op: 'replace', path: '/entity/properties/host', value: 'gz.example.com' },
    ]);
    expect(res.status, res.text).toBe(200);
    expect(await list(host('ga.example.com'))).toEqual({ names: [], total: 0 });
    expect(await list(host('gz.example.com'))).toEqual({ names: ['gen-z'], total: 1 });
    expect(await list('&entity.name=gen-z')).toEqual({ names: ['gen-z'], total: 1 });
    expect(await list('&entity.name=gen-a')).toEqual({ names: [], total: 0 });

    // a flag through the asset API: gone from the default list, there with the flag added
    const flagged = await patch(s, w.editor.token, `/v2/assets/${id}?${c.q}`, [
      { op: 'add', path: '/entity/flags/-', value: 'restricted' },
    ]);
    expect(flagged.status, flagged.text).toBe(200);
    expect((await list('')).names).not.toContain('gen-z');
    expect((await list('&entity.flags=restricted')).names).toContain('gen-z');
    await expectCountsExact();
  });

  it('DELETE /v2/assets/{id} takes the connection out of the list and its counts', async () => {
    const a = await createConnection(s, w.editor.token, c, mysql('del-a', 'da.example.com'), '&test=false');
    const before = (await list('')).total;
    const res = await s.call('DELETE', `/v2/assets/${a.metadata.asset_id}?${c.q}`, { token: w.editor.token });
    expect(res.status, res.text).toBe(204);
    expect(await list(host('da.example.com'))).toEqual({ names: [], total: 0 });
    expect((await list('')).total).toBe(before - 1);
    await expectCountsExact();
  });

  it('POST /v2/assets of type connection is listed at once, with its facets', async () => {
    const res = await s.call('POST', `/v2/assets?${c.q}`, {
      token: w.editor.token,
      body: {
        metadata: { name: 'raw-conn', asset_type: 'connection' },
        entity: { datasource_type: 'mysql', properties: { host: 'raw.example.com' }, flags: [] },
      },
    });
    expect(res.status, res.text).toBe(201);
    const count = await sql<{
      n: number;
    }>`select count(*) as n from connection_facets where asset_id = ${res.body.metadata.asset_id}`.execute(
      s.built.ctx.store.db,
    );
    expect(Number(count.rows[0].n)).toBeGreaterThan(0); // indexed by the write, not by a later list
    expect(await list(host('raw.example.com'))).toEqual({ names: ['raw-conn'], total: 1 });
    expect(await list('&entity.datasource_type=mysql&entity.name=raw-conn')).toEqual({
      names: ['raw-conn'],
      total: 1,
    });
    await expectCountsExact();
  });
});

describe('creator filters', () => {
  it('metadata.creator_id (the seed) and metadata.creator (the reference) are indexed, alone or with other filters', async () => {
    const cq = w.containers.catalog;
    const mk = async (token: string, name: string, h: string) =>
      (await s.call('POST', `/v2/connections?${cq.q}&test=false`, { token, body: mysql(name, h) })).status;
    expect(await mk(w.editor.token, 'cr-e1', 'ch1')).toBe(201);
    expect(await mk(w.editor.token, 'cr-e2', 'ch2')).toBe(201);
    expect(await mk(w.admin.token, 'cr-a1', 'ch1')).toBe(201);
    const get = async (query: string) => {
      const res = await s.call('GET', `/v2/connections?${cq.q}&sort=-entity.name&limit=1${query}`, {
        token: w.viewer.token,
      });
      expect(res.status, res.text).toBe(200);
      return [res.body.total_count, res.body.resources.map((r: any) => r.entity.name)];
    };
    expect(await get(`&metadata.creator_id=${w.editor.iam_id}`)).toEqual([2, ['cr-e2']]);
    expect(await get(`&metadata.creator=${w.admin.iam_id}`)).toEqual([1, ['cr-a1']]);
    // both given: both must match
    expect(await get(`&metadata.creator=${w.admin.iam_id}&metadata.creator_id=${w.editor.iam_id}`)).toEqual([
      0,
      [],
    ]);
    // two filters: counted on the smaller one's index rows
    const ch1 = `&entity.properties=${encodeURIComponent('{"host":"ch1"}')}`;
    expect(await get(`&metadata.creator_id=${w.editor.iam_id}${ch1}`)).toEqual([1, ['cr-e1']]);
    expect(await get(`&entity.datasource_type=mysql${ch1}`)).toEqual([2, ['cr-e1']]);
  });
});

describe('the list against a model, through both APIs (property-based)', () => {
  it('filters, flags and totals match after any sequence of creates, patches and deletes', async () => {
    const project = w.containers.space; // a container of its own for this model
    const q = project.q;
    const hosts = ['h1', 'h2', 'h3'];
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('create' as const),
        host: fc.constantFrom(...hosts),
        flag: fc.boolean(),
      }),
      fc.record({
        kind: fc.constantFrom('patch-conn' as const, 'patch-asset' as const),
        pick: fc.nat(),
        host: fc.constantFrom(...hosts),
      }),
      fc.record({ kind: fc.constantFrom('delete-conn' as const, 'delete-asset' as const), pick: fc.nat() }),
    );
    const model = new Map<string, { name: string; host: string; flagged: boolean }>();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 6 }), async (ops) => {
        for (const o of ops) {
          const ids = [...model.keys()].sort();
          if (o.kind === 'create') {
            const name = `m${String(n++).padStart(4, '0')}`;
            const r = await createConnection(
              s,
              w.editor.token,
              project,
              mysql(name, o.host, o.flag ? ['restricted'] : []),
              '&test=false',
            );
            model.set(r.metadata.asset_id, { name, host: o.host, flagged: o.flag });
          } else if (!ids.length) {
            continue;
          } else if (o.kind === 'patch-conn' || o.kind === 'patch-asset') {
            const id = ids[o.pick % ids.length];
            const path = o.kind === 'patch-conn' ? '/properties/host' : '/entity/properties/host';
            const url =
              o.kind === 'patch-conn' ? `/v2/connections/${id}?${q}&test=false` : `/v2/assets/${id}?${q}`;
            const r = await patch(s, w.editor.token, url, [{ op: 'replace', path, value: o.host }]);
            expect(r.status, r.text).toBe(200);
            model.get(id)!.host = o.host;
          } else {
            const id = ids[o.pick % ids.length];
            const url = o.kind === 'delete-conn' ? `/v2/connections/${id}?${q}` : `/v2/assets/${id}?${q}`;
            const r = await s.call('DELETE', url, { token: w.editor.token });
            expect(r.status, r.text).toBe(204);
            model.delete(id);
          }
        }
        const all = [...model.values()];
        for (const [filter, want] of [
          ['', all.filter((m) => !m.flagged)],
          ['&entity.flags=restricted', all],
          // additions first, then removals: the flagless stay
          ['&entity.flags=restricted,-restricted', all.filter((m) => !m.flagged)],
          ...hosts.map((h) => [host(h), all.filter((m) => !m.flagged && m.host === h)] as const),
          ...hosts.map(
            (h) => [`${host(h)}&entity.flags=restricted`, all.filter((m) => m.host === h)] as const,
          ),
        ] as const) {
          const res = await s.call('GET', `/v2/connections?${q}&sort=entity.name&limit=1000${filter}`, {
            token: w.viewer.token,
          });
          expect(res.status, res.text).toBe(200);
          const names = want.map((m) => m.name).sort();
          expect(
            res.body.resources.map((r: any) => r.entity.name),
            filter,
          ).toEqual(names);
          expect(res.body.total_count, filter).toBe(names.length);
        }
        await expectCountsExact();
      }),
      { numRuns: 12 },
    );
  }, 120_000);
});

describe('a database from before the facets', () => {
  it('is migrated: its entries and properties become facets, counted by the triggers', async () => {
    const database = await createTestDatabase();
    const config = { ...loadConfig({}), ...database.config };
    const store = openStore(config);
    const schema = TEST_DB === 'postgres' ? config.databaseSchema : undefined;
    const older = Object.fromEntries(
      Object.entries(allMigrations).filter(([name]) => name !== '4002_connection_facets'),
    );
    const migrator = new Migrator({
      db: store.db,
      provider: { getMigrations: async () => older },
      allowUnorderedMigrations: true,
      migrationTableSchema: schema,
    });
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    const db = store.db as unknown as Kysely<any>;
    const now = Date.now();
    for (let i = 0; i < 30; i++) {
      const id = `old-${i}`;
      const created = new Date(now + i).toISOString();
      const name = `old ${String(i).padStart(2, '0')}`;
      await db
        .insertInto('assets')
        .values({
          asset_id: id,
          container_kind: 'project',
          container_id: 'p-old',
          asset_type: 'connection',
          name,
          name_lc: name,
          description: '',
          description_lc: '',
          tags: '[]',
          owner_id: 'u1',
          creator_id: i % 2 ? 'u1' : 'u2',
          created_at: created,
          updated_at: created,
          asset_state: 'available',
          asset_category: 'USER',
          origin_country: null,
          version: 0,
          rov: '{}',
          usage: '{}',
          entity: JSON.stringify({ datasource_type: 'mysql', properties: { host: `h${i % 3}` }, flags: [] }),
        })
        .execute();
      await db
        .insertInto('connection_index')
        .values({
          asset_id: id,
          container_kind: 'project',
          container_id: 'p-old',
          name,
          datasource_type: 'mysql',
          dsd_asset_id: '',
          context: 'source,target',
          flags: i % 5 ? '' : ',restricted,',
          creator_id: i % 2 ? 'u1' : 'u2',
          created_at: created,
        })
        .execute();
      await db
        .insertInto('connection_properties')
        .values({
          asset_id: id,
          container_kind: 'project',
          container_id: 'p-old',
          name: 'host',
          value: `h${i % 3}`,
        })
        .execute();
    }
    await migrateToLatest(store.db, schema);
    const counts = await db
      .selectFrom('connection_counts')
      .select(['facet', 'flags', 'n'])
      .where('container_id', '=', 'p-old')
      .execute();
    const n = (facet: string, flags: string) =>
      Number(counts.find((r) => r.facet === facet && r.flags === flags)?.n ?? 0);
    expect(n('', '')).toBe(24);
    expect(n('', ',restricted,')).toBe(6);
    expect(n('p:["host","h0"]', '')).toBe(8); // i in 0..29 with i % 3 == 0 and i % 5 != 0
    expect(n('c:u1', '') + n('c:u1', ',restricted,')).toBe(15);
    const tables = await db.introspection.getTables();
    // (PostgreSQL lists every schema's tables: only this database's schema counts)
    const mine = tables.filter((t) => schema === undefined || t.schema === schema);
    expect(mine.map((t) => t.name)).toContain('connection_facets');
    expect(mine.map((t) => t.name)).not.toContain('connection_properties');
    await store.close();
    await database.drop();
  });
});
