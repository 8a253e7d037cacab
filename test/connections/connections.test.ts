import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TEST_DB, type TestServer } from '../helpers/server.ts';
import { createWorld, KINDS, type World } from '../assets/helpers.ts';
import { createConnection, expectConnError, MARIA, patch, PG, pgConnection } from './helpers.ts';

let s: TestServer;
let w: World;

beforeAll(async () => {
  s = await startTestServer();
  w = await createWorld(s);
});
afterAll(async () => s?.close());

const count = async (kind: string, id: string) =>
  Number(
    (
      await sql<{
        n: number;
      }>`select count(*) as n from assets where asset_type = 'connection' and container_kind = ${kind} and container_id = ${id}`.execute(
        s.built.ctx.store.db,
      )
    ).rows[0].n,
  );

describe('define, get, update and delete, in projects, spaces and catalogs', () => {
  for (const kind of KINDS) {
    it(`${kind}: the editor defines a tested PostgreSQL connection; the viewer reads it; the editor updates and deletes it`, async () => {
      const c = w.containers[kind];
      const created = await createConnection(s, w.editor.token, c, pgConnection(`pg ${kind}`));
      const id = created.metadata.asset_id;
      expect(created.metadata).toMatchObject({
        asset_type: 'connection',
        [`${kind}_id`]: c.id,
        creator_id: w.editor.iam_id,
      });
      expect(created.entity).toMatchObject({
        name: `pg ${kind}`,
        properties: { host: PG.host, port: '5432', password: PG.password },
      });
      expect(created.entity.derived_properties.data_source_definition_id).toBe('postgresql');
      expect(created.entity.interaction_properties.source.map((p: any) => p.name)).toContain('table_name');

      const got = await s.call('GET', `/v2/connections/${id}?${c.q}`, { token: w.viewer.token });
      expect(got.status, got.text).toBe(200);
      expect(got.body.entity.properties.password).toBe(PG.password); // shared credentials: clear for members

      const upd = await patch(s, w.editor.token, `/v2/connections/${id}?${c.q}`, [
        { op: 'replace', path: '/name', value: 'renamed' },
        { op: 'add', path: '/properties/application_name', value: 'x' },
      ]);
      expectConnError(upd, 400); // unknown property, named
      expect(upd.body.errors[0].message).toContain('application_name');
      const ok = await patch(s, w.editor.token, `/v2/connections/${id}?${c.q}`, [
        { op: 'replace', path: '/name', value: 'renamed' },
        { op: 'add', path: '/properties/ssl', value: 'false' },
      ]);
      expect(ok.status, ok.text).toBe(200);
      expect(ok.body).toMatchObject({ name: 'renamed', properties: { ssl: 'false', password: PG.password } });

      expectConnError(await s.call('DELETE', `/v2/connections/${id}?${c.q}`, { token: w.viewer.token }), 403);
      expect((await s.call('DELETE', `/v2/connections/${id}?${c.q}`, { token: w.editor.token })).status).toBe(
        204,
      );
      expectConnError(await s.call('GET', `/v2/connections/${id}?${c.q}`, { token: w.viewer.token }), 404);
      expectConnError(await s.call('DELETE', `/v2/connections/${id}?${c.q}`, { token: w.editor.token }), 404);
    });
  }

  it('refuses viewers, outsiders, missing tokens and a missing container', async () => {
    const c = w.containers.project;
    const before = await count('project', c.id);
    expectConnError(
      await s.call('POST', `/v2/connections?${c.q}`, { token: w.viewer.token, body: pgConnection() }),
      403,
    );
    expectConnError(
      await s.call('POST', `/v2/connections?${c.q}`, { token: w.outsider.token, body: pgConnection() }),
      403,
    );
    expectConnError(await s.call('GET', `/v2/connections?${c.q}`, { token: w.outsider.token }), 403);
    expectConnError(await s.call('GET', `/v2/connections?${c.q}`, { token: null }), 401);
    expectConnError(await s.call('GET', `/v2/connections`, { token: w.admin.token }), 400);
    const missing = await s.call('GET', `/v2/connections?project_id=00000000-0000-4000-8000-000000000000`, {
      token: w.admin.token,
    });
    expect([403, 404]).toContain(missing.status);
    expect(await count('project', c.id)).toBe(before);
  });

  it('a real MariaDB connection (mysql2) is tested before it is saved', async () => {
    const c = w.containers.project;
    const created = await createConnection(s, w.editor.token, c, {
      datasource_type: 'mariadb',
      name: 'maria',
      properties: MARIA,
    });
    expect(created.entity.properties).toEqual({ ...MARIA, port: '3306' });
  });

  it('a failed test saves nothing and answers the driver reason, without the password', async () => {
    const c = w.containers.project;
    const before = await count('project', c.id);
    const refused = await s.call('POST', `/v2/connections?${c.q}`, {
      token: w.editor.token,
      body: {
        datasource_type: 'mysql',
        name: 'bad',
        properties: { ...MARIA, password: 'Wr0ng-Passw0rd-XYZ' },
      },
    });
    const msg = expectConnError(refused, 400);
    expect(msg).toMatch(/Access denied/);
    expect(refused.text).not.toContain('Wr0ng-Passw0rd-XYZ');
    const closed = await s.call('POST', `/v2/connections?${c.q}`, {
      token: w.editor.token,
      body: pgConnection('closed port', { properties: { ...PG, port: 1 } }),
    });
    expect(expectConnError(closed, 400)).toMatch(/ECONNREFUSED|connect/i);
    const noDb = await s.call('POST', `/v2/connections?${c.q}`, {
      token: w.editor.token,
      body: pgConnection('no db', { properties: { ...PG, database: 'no_such_database_here' } }),
    });
    expect(expectConnError(noDb, 400)).toMatch(/no_such_database_here/);
    expect(await count('project', c.id)).toBe(before);
  });

  it('a type without a local driver needs test=false, and says so', async () => {
    const c = w.containers.project;
    const body = {
      datasource_type: 'amazons3',
      name: 's3',
      properties: { access_key: 'AKIA', secret_key: 's3-secret-key' },
    };
    const refused = await s.call('POST', `/v2/connections?${c.q}`, { token: w.editor.token, body });
    expect(expectConnError(refused, 400)).toMatch(/cannot be tested.*test=false/);
    const saved = await createConnection(s, w.editor.token, c, body, '&test=false');
    expect(saved.entity.properties.secret_key).toBe('s3-secret-key');
    const action = await s.call('PUT', `/v2/connections/${saved.metadata.asset_id}/actions/test?${c.q}`, {
      token: w.viewer.token,
      body: {},
    });
    expect(expectConnError(action, 400)).toMatch(/cannot be tested/);
  });

  it('persist=false answers the connection without saving it', async () => {
    const c = w.containers.space;
    const before = await count('space', c.id);
    const res = await s.call('POST', `/v2/connections?${c.q}&persist=false`, {
      token: w.editor.token,
      body: pgConnection('draft'),
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.metadata.asset_id).toBeUndefined();
    expect(res.body.entity.name).toBe('draft');
    expect(await count('space', c.id)).toBe(before);
  });

  it('names the property at fault: missing required, unknown, wrong type; unknown type', async () => {
    const c = w.containers.project;
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { datasource_type: 'postgresql', name: 'x', properties: { ...PG, host: undefined } },
        /Missing required.*'host'/,
      ],
      [{ datasource_type: 'postgresql', name: 'x', properties: { ...PG, hots: 'a' } }, /Unknown.*'hots'/],
      [{ datasource_type: 'postgresql', name: 'x', properties: { ...PG, port: 'abc' } }, /'port'.*integer/],
      [
        { datasource_type: 'postgresql', name: 'x', properties: { ...PG, ssl: 'maybe' } },
        /'ssl'.*true or false/,
      ],
      [{ datasource_type: 'postgresql', name: 'x', properties: { ...PG, host: 42 } }, /'host'.*string/],
      [
        { datasource_type: 'cloudobjectstorage', name: 'x', properties: { url: 'u', auth_method: 'magic' } },
        /'auth_method'.*one of/,
      ],
      [{ datasource_type: 'nope', name: 'x', properties: {} }, /data source type 'nope' does not exist/],
      [{ datasource_type: 'postgresql', name: '   ', properties: PG }, /'name'/],
    ];
    for (const [body, re] of cases) {
      const res = await s.call('POST', `/v2/connections?${c.q}&test=false`, { token: w.editor.token, body });
      expect(expectConnError(res, 400)).toMatch(re);
    }
  });

  it('bad bodies of any shape get a 4xx, never a 5xx, and save nothing (property-based)', async () => {
    const c = w.containers.catalog;
    const before = await count('catalog', c.id);
    const value = fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string(), { maxLength: 2 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            datasource_type: fc.oneof(
              fc.constantFrom('postgresql', 'mysql', 'amazons3', 'jdbc'),
              fc.string({ maxLength: 10 }),
              fc.integer(),
            ),
            name: fc.oneof(fc.string({ maxLength: 10 }), fc.integer()),
            properties: fc.oneof(
              fc.dictionary(
                fc.constantFrom('host', 'port', 'ssl', 'password', 'x', 'jdbc_url', 'bucket'),
                value,
              ),
              value,
            ),
            flags: fc.oneof(fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }), value),
          },
          { requiredKeys: [] },
        ),
        async (body) => {
          const res = await s.call('POST', `/v2/connections?${c.q}&test=false`, {
            token: w.editor.token,
            body,
          });
          expect(res.status, res.text).toBeLessThan(500);
          if (res.status === 201)
            await s.call('DELETE', `/v2/connections/${res.body.metadata.asset_id}?${c.q}`, {
              token: w.editor.token,
            });
          else expectConnError(res, res.status);
        },
      ),
      { numRuns: 60 },
    );
    expect(await count('catalog', c.id)).toBe(before);
  });

  it('PATCH: bad patches are 400s; a missing connection is a 404; viewers are refused', async () => {
    const c = w.containers.project;
    const { metadata } = await createConnection(s, w.editor.token, c, pgConnection('patch me'));
    const url = `/v2/connections/${metadata.asset_id}?${c.q}`;
    expectConnError(await patch(s, w.editor.token, url, [{ op: 'remove', path: '/properties/host' }]), 400);
    expectConnError(
      await patch(s, w.editor.token, url, [{ op: 'replace', path: '/nope/deeper', value: 1 }]),
      400,
    );
    expectConnError(await patch(s, w.viewer.token, url, [{ op: 'replace', path: '/name', value: 'v' }]), 403);
    expectConnError(
      await patch(s, w.editor.token, `/v2/connections/00000000-0000-4000-8000-000000000000?${c.q}`, [
        { op: 'replace', path: '/name', value: 'v' },
      ]),
      404,
    );
    const failing = await patch(s, w.editor.token, url, [
      { op: 'replace', path: '/properties/port', value: '1' },
    ]);
    expectConnError(failing, 400); // tested again: the port is closed
    const kept = await s.call('GET', url, { token: w.viewer.token });
    expect(kept.body.entity.properties.port).toBe('5432');
    const untested = await patch(s, w.editor.token, `${url}&test=false`, [
      { op: 'replace', path: '/properties/port', value: '1' },
    ]);
    expect(untested.status, untested.text).toBe(200);
  });
});

describe('secrets', () => {
  const MARKER = 'Zq7-very-recognisable-pw-Kx9';

  it('are encrypted at rest: the database never holds the password in clear', async () => {
    const c = w.containers.project;
    await createConnection(
      s,
      w.editor.token,
      c,
      pgConnection('secret at rest', { properties: { ...PG, password: MARKER } }),
    );
    if (TEST_DB === 'sqlite') {
      const dir = s.built.ctx.config.dataDir;
      await sql`pragma wal_checkpoint(TRUNCATE)`.execute(s.built.ctx.store.db);
      for (const f of fs.readdirSync(dir).filter((n) => n.includes('.db') || n.endsWith('.sqlite'))) {
        const bytes = fs.readFileSync(path.join(dir, f));
        expect(bytes.includes(Buffer.from(MARKER)), f).toBe(false);
      }
    } else {
      for (const table of ['assets', 'connection_index', 'connection_facets', 'connection_counts']) {
        const { rows } = await sql<{ t: string }>`select t::text as t from ${sql.table(table)} t`.execute(
          s.built.ctx.store.db,
        );
        expect(rows.length).toBeGreaterThan(0);
        for (const r of rows) expect(r.t).not.toContain(MARKER);
      }
    }
    const stored = await sql<{
      entity: string;
    }>`select entity from assets where name = 'secret at rest'`.execute(s.built.ctx.store.db);
    expect(stored.rows[0].entity).not.toContain(MARKER);
    expect(JSON.parse(stored.rows[0].entity).secrets.shared).toMatch(/^v1\./);
  });

  it('decrypt_secrets=false leaves them out', async () => {
    const c = w.containers.project;
    const { metadata } = await createConnection(s, w.editor.token, c, pgConnection('no decrypt'));
    const res = await s.call('GET', `/v2/connections/${metadata.asset_id}?${c.q}&decrypt_secrets=false`, {
      token: w.viewer.token,
    });
    expect(res.body.entity.properties.password).toBeUndefined();
    expect(res.body.entity.properties.host).toBe(PG.host);
  });

  it('personal credentials: shown only to the user who gave them; others add their own', async () => {
    const c = w.containers.project;
    const { metadata } = await createConnection(
      s,
      w.editor.token,
      c,
      pgConnection('personal', {
        flags: ['personal_credentials'],
        properties: { ...PG, password: 'editor-own-pw' },
      }),
    );
    const url = `/v2/connections/${metadata.asset_id}?${c.q}`;
    const mine = await s.call('GET', url, { token: w.editor.token });
    expect(mine.body.entity.properties.password).toBe('editor-own-pw');
    const theirs = await s.call('GET', url, { token: w.admin.token });
    expect(theirs.status).toBe(200);
    expect(theirs.body.entity.properties.password).toBeUndefined();
    expect(theirs.text).not.toContain('editor-own-pw');
    // the admin adds their own password; each still sees only their own
    const added = await patch(s, w.admin.token, url, [
      { op: 'add', path: '/properties/password', value: 'admin-own-pw' },
    ]);
    expect(added.status, added.text).toBe(200);
    expect((await s.call('GET', url, { token: w.admin.token })).body.entity.properties.password).toBe(
      'admin-own-pw',
    );
    expect((await s.call('GET', url, { token: w.editor.token })).body.entity.properties.password).toBe(
      'editor-own-pw',
    );
    const viewer = await s.call('GET', url, { token: w.viewer.token });
    expect(viewer.text).not.toMatch(/editor-own-pw|admin-own-pw/);
    // a list shows it only with the flag added
    const plain = await s.call('GET', `/v2/connections?${c.q}&entity.name=personal`, {
      token: w.viewer.token,
    });
    expect(plain.body.resources).toHaveLength(0);
    const flagged = await s.call(
      'GET',
      `/v2/connections?${c.q}&entity.name=personal&entity.flags=personal_credentials`,
      { token: w.viewer.token },
    );
    expect(flagged.body.resources).toHaveLength(1);
    expect(flagged.text).not.toMatch(/editor-own-pw|admin-own-pw/);
  });
});

describe('list', () => {
  let c: World['containers']['space'];
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    c = w.containers.space;
    const defs: [string, Record<string, unknown>, string[]][] = [
      ['charlie', { datasource_type: 'postgresql', properties: { ...PG, host: 'localhost' } }, []],
      ['alpha', { datasource_type: 'mysql', properties: { ...MARIA, database: 'test' } }, []],
      ['bravo', { datasource_type: 'postgresql', properties: PG }, ['personal_credentials']],
      [
        'delta',
        { datasource_type: 'amazons3', properties: { access_key: 'k', secret_key: 's' } },
        ['restricted'],
      ],
      [
        'echo',
        { datasource_type: 'postgresql', properties: PG, data_source_definition_asset_id: 'dsd-1' },
        ['restricted', 'personal_credentials'],
      ],
    ];
    for (const [name, body, flags] of defs) {
      const token = name === 'alpha' ? w.admin.token : w.editor.token;
      const res = await createConnection(s, token, c, { name, flags, ...body }, '&test=false');
      ids[name] = res.metadata.asset_id;
    }
  });

  const names = async (query: string) => {
    const res = await s.call('GET', `/v2/connections?${c.q}${query}`, { token: w.viewer.token });
    expect(res.status, res.text).toBe(200);
    return res.body.resources.map((r: any) => r.entity.name as string);
  };

  it('by default: connections with no flags, in creation order', async () => {
    expect(await names('')).toEqual(['charlie', 'alpha']);
  });

  it('sorts on entity.name and metadata.create_time, both ways', async () => {
    const all = '&entity.flags=personal_credentials,restricted';
    expect(await names(`${all}&sort=%2Bentity.name`)).toEqual(['alpha', 'bravo', 'charlie', 'delta', 'echo']);
    expect(await names(`${all}&sort=-entity.name`)).toEqual(['echo', 'delta', 'charlie', 'bravo', 'alpha']);
    expect(await names(`${all}&sort=-metadata.create_time`)).toEqual([
      'echo',
      'delta',
      'bravo',
      'alpha',
      'charlie',
    ]);
    expect(await names(`${all}&sort=metadata.create_time`)).toEqual([
      'charlie',
      'alpha',
      'bravo',
      'delta',
      'echo',
    ]);
    expectConnError(
      await s.call('GET', `/v2/connections?${c.q}&sort=entity.owner`, { token: w.viewer.token }),
      400,
    );
  });

  it('flags: additions first (+ optional), then removals', async () => {
    expect(await names('&entity.flags=restricted&sort=entity.name')).toEqual([
      'alpha',
      'charlie',
      'delta',
      'echo',
    ]);
    expect(await names('&entity.flags=%2Brestricted,-personal_credentials&sort=entity.name')).toEqual([
      'alpha',
      'charlie',
      'delta',
    ]);
    expect(await names('&entity.flags=-restricted&sort=entity.name')).toEqual(['alpha', 'charlie']);
    expect(await names('&entity.flags=personal_credentials&sort=entity.name')).toEqual([
      'alpha',
      'bravo',
      'charlie',
      'echo',
    ]);
  });

  it('filters: name, type (id, name, several), dsd asset id, context, properties, creator', async () => {
    const all = '&entity.flags=personal_credentials,restricted&sort=entity.name';
    expect(await names(`${all}&entity.name=bravo`)).toEqual(['bravo']);
    expect(await names(`${all}&entity.datasource_type=postgresql`)).toEqual(['bravo', 'charlie', 'echo']);
    const types = (await s.call('GET', '/v2/datasource_types/amazons3', { token: w.viewer.token })).body
      .metadata.asset_id;
    expect(await names(`${all}&entity.datasource_type=mysql,${types}`)).toEqual(['alpha', 'delta']);
    expect(await names(`${all}&entity.data_source_definition_asset_id=dsd-1`)).toEqual(['echo']);
    expect(await names(`${all}&entity.context=target`)).toEqual([
      'alpha',
      'bravo',
      'charlie',
      'delta',
      'echo',
    ]);
    expect(await names(`${all}&entity.properties=${encodeURIComponent('{"host":"localhost"}')}`)).toEqual([
      'charlie',
    ]);
    expect(
      await names(`${all}&entity.properties=${encodeURIComponent('{"host":"127.0.0.1","port":5432}')}`),
    ).toEqual(['bravo', 'echo']);
    expect(
      await names(`${all}&entity.properties=${encodeURIComponent('{"host":"127.0.0.1","port":1}')}`),
    ).toEqual([]);
    expect(await names(`${all}&metadata.creator=${w.admin.iam_id}`)).toEqual(['alpha']);
    expectConnError(
      await s.call('GET', `/v2/connections?${c.q}&entity.properties=notjson`, { token: w.viewer.token }),
      400,
    );
    expectConnError(
      await s.call('GET', `/v2/connections?${c.q}&entity.properties=[1]`, { token: w.viewer.token }),
      400,
    );
    expectConnError(
      await s.call('GET', `/v2/connections?${c.q}&entity.context=sideways`, { token: w.viewer.token }),
      400,
    );
    expectConnError(
      await s.call('GET', `/v2/connections?${c.q}&entity.flags=${encodeURIComponent('a b c')}`, {
        token: w.viewer.token,
      }),
      400,
    );
  });

  it('pages with limit and offset, and with start tokens; counts the total', async () => {
    const all = '&entity.flags=personal_credentials,restricted&sort=entity.name';
    const first = await s.call('GET', `/v2/connections?${c.q}${all}&limit=2`, { token: w.viewer.token });
    expect(first.body.total_count).toBe(5);
    expect(first.body.resources.map((r: any) => r.entity.name)).toEqual(['alpha', 'bravo']);
    const seen = [...first.body.resources.map((r: any) => r.entity.name)];
    let next = first.body.next?.href as string | undefined;
    while (next) {
      const page = await s.call('GET', next, { token: w.viewer.token });
      expect(page.status, page.text).toBe(200);
      seen.push(...page.body.resources.map((r: any) => r.entity.name));
      next = page.body.next?.href;
    }
    expect(seen).toEqual(['alpha', 'bravo', 'charlie', 'delta', 'echo']);
    expect(await names(`${all}&limit=2&offset=3`)).toEqual(['delta', 'echo']);
    expectConnError(
      await s.call('GET', `/v2/connections?${c.q}&start=bogus`, { token: w.viewer.token }),
      400,
    );
    // a token of one order is refused by another
    const token = new URL(first.body.next.href, 'http://x').searchParams.get('start');
    expectConnError(
      await s.call('GET', `/v2/connections?${c.q}&sort=-entity.name&start=${token}`, {
        token: w.viewer.token,
      }),
      400,
    );
  });

  it('include_properties=false and interaction_properties=false trim the answer', async () => {
    const res = await s.call('GET', `/v2/connections?${c.q}&include_properties=false`, {
      token: w.viewer.token,
    });
    expect(res.body.resources[0].entity.properties).toBeUndefined();
    const res2 = await s.call('GET', `/v2/connections?${c.q}&interaction_properties=false`, {
      token: w.viewer.token,
    });
    expect(res2.body.resources[0].entity.properties).toBeDefined();
    expect(res2.body.resources[0].entity.interaction_properties).toBeUndefined();
    expectConnError(
      await s.call('GET', `/v2/connections?${c.q}&persona=nothing`, { token: w.viewer.token }),
      400,
    );
    const get = await s.call('GET', `/v2/connections/${ids.charlie}?${c.q}&persona=mysql`, {
      token: w.viewer.token,
    });
    expectConnError(get, 400);
    expect(
      (
        await s.call('GET', `/v2/connections/${ids.charlie}?${c.q}&persona=postgresql`, {
          token: w.viewer.token,
        })
      ).status,
    ).toBe(200);
  });

  it('connections imported into the asset store without this API are indexed and listed', async () => {
    const res = await s.call('POST', `/v2/assets?${c.q}`, {
      token: w.editor.token,
      body: {
        metadata: { name: 'foxtrot', asset_type: 'connection' },
        entity: { datasource_type: 'postgresql', properties: { host: 'imported' }, flags: [] },
      },
    });
    expect(res.status, res.text).toBe(201);
    expect(await names(`&entity.properties=${encodeURIComponent('{"host":"imported"}')}`)).toEqual([
      'foxtrot',
    ]);
  });
});
