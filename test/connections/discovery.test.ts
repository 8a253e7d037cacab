import crypto from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createAsset, createWorld, type World } from '../assets/helpers.ts';
import { createConnection, expectConnError, MARIA, PG, pgConnection } from './helpers.ts';

/** Real tables in the machine's PostgreSQL and MariaDB, browsed through the API. */
const SCHEMA = 'cx_' + crypto.randomBytes(4).toString('hex');
const WEIRD = 'we"ird`name; --';

let s: TestServer;
let w: World;
let pgId: string;
let myId: string;
let pgc: pg.Client;
let myc: mysql.Connection;

beforeAll(async () => {
  pgc = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
  await pgc.connect();
  await pgc.query(`create schema ${SCHEMA}`);
  await pgc.query(
    `create table ${SCHEMA}.people (id integer primary key, name varchar(40) not null, born date)`,
  );
  await pgc.query(
    `insert into ${SCHEMA}.people select i, 'person ' || i, date '2000-01-01' + i from generate_series(1, 25) i`,
  );
  await pgc.query(`create table ${SCHEMA}.${pgc.escapeIdentifier(WEIRD)} (v text)`);
  await pgc.query(`insert into ${SCHEMA}.${pgc.escapeIdentifier(WEIRD)} values ('odd')`);
  myc = await mysql.createConnection({
    host: MARIA.host,
    port: MARIA.port,
    user: MARIA.username,
    database: 'test',
  });
  await myc.query(`create table ${SCHEMA}_items (id int unsigned primary key, label varchar(20))`);
  await myc.query(`insert into ${SCHEMA}_items values (1, 'one'), (2, 'two'), (3, 'three')`);

  s = await startTestServer();
  w = await createWorld(s);
  pgId = (await createConnection(s, w.editor.token, w.containers.project, pgConnection('pg'))).metadata
    .asset_id;
  myId = (
    await createConnection(s, w.editor.token, w.containers.project, {
      datasource_type: 'mariadb',
      name: 'maria',
      properties: MARIA,
    })
  ).metadata.asset_id;
});

afterAll(async () => {
  await s?.close();
  await pgc?.query(`drop schema if exists ${SCHEMA} cascade`);
  await pgc?.end();
  await myc?.query(`drop table if exists ${SCHEMA}_items`);
  await myc?.end();
});

const browse = (id: string, path: string, extra = '', token = w.viewer.token) =>
  s.call(
    'GET',
    `/v2/connections/${id}/assets?${w.containers.project.q}&path=${encodeURIComponent(path)}${extra}`,
    { token },
  );

describe('discovery of a real PostgreSQL source', () => {
  it("lists schemas, then tables, then a table's columns and rows, paged", async () => {
    const root = await browse(pgId, '/', '&limit=1000');
    expect(root.status, root.text).toBe(200);
    expect(root.body.assets.map((a: any) => a.name)).toContain(SCHEMA);
    expect(root.body.assets.map((a: any) => a.name)).not.toContain('pg_catalog');

    const tables = await browse(pgId, `/${SCHEMA}`);
    expect(tables.body).toMatchObject({
      path: `/${SCHEMA}`,
      total_count: 2,
      asset_types: [{ type: 'table', dataset: true }],
    });
    expect(tables.body.assets.map((a: any) => a.path)).toEqual([`/${SCHEMA}/people`, `/${SCHEMA}/${WEIRD}`]);
    const one = await browse(pgId, `/${SCHEMA}`, '&limit=1&offset=1');
    expect(one.body.assets.map((a: any) => a.name)).toEqual([WEIRD]);
    expect(one.body.prev).toBeDefined();

    const table = await browse(
      pgId,
      `/${SCHEMA}/people`,
      '&fetch=metadata,data&limit=10&offset=20&detail=true',
    );
    expect(table.status, table.text).toBe(200);
    expect(table.body.fields.map((f: any) => [f.name, f.type.type, f.type.nullable])).toEqual([
      ['id', 'integer', false],
      ['name', 'character varying', false],
      ['born', 'date', true],
    ]);
    expect(table.body.fields[1].type.length).toBe(40);
    expect(table.body.data).toHaveLength(5);
    expect(table.body.data[0][0]).toBe(21);
    expect(table.body.data[0][1]).toBe('person 21');
    expect(table.body.details.row_count).toBeGreaterThanOrEqual(0);
  });

  it('a table whose name holds quotes, a backtick and a comment is read as a name, not as SQL', async () => {
    const res = await browse(pgId, `/${SCHEMA}/${WEIRD}`, '&fetch=data');
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toEqual([['odd']]);
  });

  it('paths that try SQL injection find nothing and change nothing', async () => {
    const attempts = [
      `/${SCHEMA}/people"; drop table ${SCHEMA}.people; --`,
      `/${SCHEMA}/people' or '1'='1`,
      `/${SCHEMA}"."people`,
      `/x"; drop schema ${SCHEMA} cascade; --`,
      `/${SCHEMA}/people/extra`,
    ];
    for (const path of attempts) expectConnError(await browse(pgId, path, '&fetch=data'), 404);
    const inject = await s.call(
      'PUT',
      `/v2/connections/${pgId}/actions/get_record_count?${w.containers.project.q}`,
      {
        token: w.viewer.token,
        body: { schema_name: SCHEMA, table_name: `people; drop table ${SCHEMA}.people` },
      },
    );
    expectConnError(inject, 400);
    const { rows } = await pgc.query(`select count(*)::int as n from ${SCHEMA}.people`);
    expect(rows[0].n).toBe(25);
  });

  it('fetch can add interaction and connection properties (never the secrets) and the type', async () => {
    const res = await browse(pgId, `/${SCHEMA}/people`, '&fetch=interaction,connection,datasource_type');
    expect(res.body.interaction_properties.source.map((p: any) => p.name)).toContain('table_name');
    expect(res.body.connection_properties.host).toBe(PG.host);
    expect(res.body.connection_properties.password).toBeUndefined();
    expect(res.body.datasource_type.name).toBe('postgresql');
    expectConnError(await browse(pgId, '/', '&fetch=everything'), 400);
  });

  it('roles: viewers browse, outsiders do not; a missing connection is a 404', async () => {
    expectConnError(await browse(pgId, '/', '', w.outsider.token), 403);
    expectConnError(await browse('00000000-0000-4000-8000-000000000000', '/'), 404);
    expectConnError(
      await s.call('GET', `/v2/connections/${pgId}/assets?${w.containers.project.q}&path=/`, { token: null }),
      401,
    );
  });

  it('POST /v2/connections/assets browses an unsaved definition', async () => {
    const res = await s.call('POST', `/v2/connections/assets?path=${encodeURIComponent('/' + SCHEMA)}`, {
      token: w.outsider.token,
      body: pgConnection('unsaved'),
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.assets).toHaveLength(2);
    const bad = await s.call('POST', `/v2/connections/assets?path=/`, {
      token: w.outsider.token,
      body: pgConnection('unsaved', { properties: { ...PG, port: 1 } }),
    });
    expectConnError(bad, 400);
    expect(bad.text).not.toContain(PG.password);
  });

  it('GET /v2/connections/assets/{data_asset_id} browses the path a data asset points at', async () => {
    const c = w.containers.project;
    const asset = await createAsset(
      s,
      w.editor.token,
      c,
      { name: 'people data' },
      {
        data_asset: {
          mime_type: 'application/x-ibm-rel-table',
          connection_id: pgId,
          connection_path: `/${SCHEMA}/people`,
        },
      },
    );
    const id = asset.metadata.asset_id;
    const res = await s.call('GET', `/v2/connections/assets/${id}?${c.q}&fetch=data&limit=3`, {
      token: w.viewer.token,
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.path).toBe(`/${SCHEMA}/people`);
    expect(res.body.data).toHaveLength(3);
    expectConnError(
      await s.call('GET', `/v2/connections/assets/${pgId}?${c.q}`, { token: w.viewer.token }),
      404,
    );
    expectConnError(
      await s.call('GET', `/v2/connections/assets/${id}?${c.q}`, { token: w.outsider.token }),
      403,
    );
    const plain = await createAsset(s, w.editor.token, c, { name: 'no connection' }, {});
    expectConnError(
      await s.call('GET', `/v2/connections/assets/${plain.metadata.asset_id}?${c.q}`, {
        token: w.viewer.token,
      }),
      400,
    );
  });
});

describe('discovery of a real MariaDB source (mysql2)', () => {
  it('lists databases, tables, columns and rows', async () => {
    const root = await browse(myId, '/');
    expect(root.body.assets.map((a: any) => a.name)).toContain('test');
    const tables = await browse(myId, '/test', '&limit=1000');
    expect(tables.body.assets.map((a: any) => a.name)).toContain(`${SCHEMA}_items`);
    const table = await browse(myId, `/test/${SCHEMA}_items`, '&fetch=metadata,data&limit=2');
    expect(table.body.fields.map((f: any) => [f.name, f.type.type, f.type.signed])).toEqual([
      ['id', 'int', false],
      ['label', 'varchar', false],
    ]);
    expect(table.body.data).toEqual([
      [1, 'one'],
      [2, 'two'],
    ]);
    expect(table.body.next).toBeDefined();
    expectConnError(
      await browse(myId, `/test/${SCHEMA}_items\`; drop table test.${SCHEMA}_items; --`, '&fetch=data'),
      404,
    );
    const [rows] = await myc.query(`select count(*) as n from ${SCHEMA}_items`);
    expect((rows as any)[0].n).toBe(3);
  });
});

describe('actions', () => {
  const act = (id: string, name: string, body: unknown = {}, token = w.viewer.token) =>
    s.call('PUT', `/v2/connections/${id}/actions/${name}?${w.containers.project.q}`, { token, body });

  it('lists the actions the type declares', async () => {
    const res = await s.call('GET', `/v2/connections/${pgId}/actions?${w.containers.project.q}`, {
      token: w.viewer.token,
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.actions.map((a: any) => a.name)).toEqual([
      'test',
      'validate',
      'get_datasource_info',
      'get_record_count',
      'get_approx_record_count',
    ]);
    expectConnError(
      await s.call('GET', `/v2/connections/${pgId}/actions?${w.containers.project.q}`, {
        token: w.outsider.token,
      }),
      403,
    );
    expectConnError(
      await s.call(
        'GET',
        `/v2/connections/00000000-0000-4000-8000-000000000000/actions?${w.containers.project.q}`,
        { token: w.viewer.token },
      ),
      404,
    );
  });

  it('performs them against the real sources', async () => {
    expect((await act(pgId, 'test')).body).toMatchObject({ result: 'success' });
    expect((await act(myId, 'test')).body).toMatchObject({ result: 'success' });
    expect((await act(pgId, 'validate', { host: 'elsewhere' })).body).toEqual({ valid: true });
    expectConnError(await act(pgId, 'validate', { port: 'abc' }), 400);
    expectConnError(await act(pgId, 'test', { port: 1 }), 400);
    expect((await act(pgId, 'get_datasource_info')).body.product_name).toBe('PostgreSQL');
    expect((await act(myId, 'get_datasource_info')).body.product_name).toBe('MariaDB');
    expect((await act(pgId, 'get_record_count', { schema_name: SCHEMA, table_name: 'people' })).body).toEqual(
      { record_count: 25 },
    );
    expect(
      (await act(myId, 'get_record_count', { schema_name: 'test', table_name: `${SCHEMA}_items` })).body,
    ).toEqual({ record_count: 3 });
    const approx = await act(pgId, 'get_approx_record_count', { schema_name: SCHEMA, table_name: 'people' });
    expect(approx.status, approx.text).toBe(200);
    expectConnError(await act(pgId, 'get_record_count', { schema_name: SCHEMA }), 400);
    expectConnError(await act(pgId, 'get_signed_url'), 400);
    expectConnError(await act(pgId, 'drop_everything'), 400);
    expectConnError(await act(pgId, 'test', {}, w.outsider.token), 403);
  });
});
