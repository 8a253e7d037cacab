import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.ts';
import { expectConnError, patch } from '../connections/helpers.ts';

let s: TestServer;
let owner: TestUser;
let other: TestUser;

beforeAll(async () => {
  s = await startTestServer();
  [owner, other] = await Promise.all([s.createUser('owner'), s.createUser('other')]);
});
afterAll(async () => s?.close());

const BUILT_IN = [
  'postgresql',
  'mysql',
  'mariadb',
  'db2',
  'sqlserver',
  'oracle',
  'cloudobjectstorage',
  'amazons3',
  'jdbc',
  'http',
  'watsonxdata_presto',
];

describe('the built-in catalog', () => {
  it('lists the types with paging, sorting and filters', async () => {
    const all = await s.call('GET', '/v2/datasource_types?limit=100', { token: other.token });
    expect(all.status, all.text).toBe(200);
    const names = all.body.resources.map((r: any) => r.entity.name);
    for (const n of BUILT_IN) expect(names).toContain(n);
    expect(all.body.total_count).toBe(names.length);
    expect(all.body.resources[0].entity.connection_properties).toBeUndefined();
    const labels = all.body.resources.map((r: any) => r.entity.label.toLowerCase());
    expect(labels).toEqual([...labels].sort());

    const page = await s.call('GET', '/v2/datasource_types?limit=3&offset=3&sort=-entity.label', {
      token: other.token,
    });
    expect(page.body.resources).toHaveLength(3);
    expect(page.body.offset).toBe(3);
    expect(page.body.prev.href).toContain('offset=0');
    const desc = (
      await s.call('GET', '/v2/datasource_types?sort=-entity.label', { token: other.token })
    ).body.resources.map((r: any) => r.entity.label.toLowerCase());
    expect(page.body.resources.map((r: any) => r.entity.label.toLowerCase())).toEqual(desc.slice(3, 6));
    const byType = (
      await s.call('GET', '/v2/datasource_types?sort=entity.type', { token: other.token })
    ).body.resources.map((r: any) => r.entity.type);
    expect(byType).toEqual([...byType].sort());
    expectConnError(
      await s.call('GET', '/v2/datasource_types?sort=entity.color', { token: other.token }),
      400,
    );
    expectConnError(await s.call('GET', '/v2/datasource_types', { token: null }), 401);

    const dsd = await s.call('GET', '/v2/datasource_types?show_data_source_definitions_only=true&limit=100', {
      token: other.token,
    });
    const dsdNames = dsd.body.resources.map((r: any) => r.entity.name);
    expect(dsdNames).toContain('postgresql');
    expect(dsdNames).not.toContain('postgresql-ibmcloud');
    const none = await s.call('GET', '/v2/datasource_types?entity.environment=streams', {
      token: other.token,
    });
    expect(none.body.resources).toEqual([]);
    const some = await s.call(
      'GET',
      '/v2/datasource_types?entity.environment=streams,public&entity.product=datastage',
      { token: other.token },
    );
    expect(some.body.total_count).toBe(all.body.total_count);
    expectConnError(
      await s.call('GET', '/v2/datasource_types?entity.environment=mars', { token: other.token }),
      400,
    );
    const withProps = await s.call(
      'GET',
      '/v2/datasource_types?connection_properties=true&interaction_properties=true&actions=true&discovery=true&limit=1',
      { token: other.token },
    );
    expect(withProps.body.resources[0].entity.connection_properties.length).toBeGreaterThan(0);
    expect(withProps.body.resources[0].entity.interaction_properties.source).toBeDefined();
    expect(withProps.body.resources[0].entity.actions.length).toBeGreaterThan(0);
    expect(withProps.body.resources[0].entity.discovery).toBeDefined();
  });

  it('gets a type by id or by name, with its properties, secrets masked', async () => {
    const byName = await s.call('GET', '/v2/datasource_types/watsonxdata_presto?connection_properties=true', {
      token: other.token,
    });
    expect(byName.status, byName.text).toBe(200);
    expect(byName.body.metadata.asset_id).toBe('d22e3e36-5ab3-4361-b418-2dba4b227879');
    const props = Object.fromEntries(byName.body.entity.connection_properties.map((p: any) => [p.name, p]));
    expect(props.password).toMatchObject({ masked: true, group: 'credentials' });
    expect(props.host).toMatchObject({ required: true, masked: false });
    expect(props.port.default_value).toBe('443');
    const byId = await s.call('GET', '/v2/datasource_types/d22e3e36-5ab3-4361-b418-2dba4b227879', {
      token: other.token,
    });
    expect(byId.body.entity.name).toBe('watsonxdata_presto');
    expectConnError(await s.call('GET', '/v2/datasource_types/no-such-type', { token: other.token }), 404);
  });

  it('built-in types cannot be changed or deleted', async () => {
    expectConnError(
      await patch(s, s.adminToken, '/v2/datasource_types/postgresql', [
        { op: 'replace', path: '/label', value: 'x' },
      ]),
      403,
    );
    expectConnError(await s.call('DELETE', '/v2/datasource_types/postgresql', { token: s.adminToken }), 403);
    expect(
      (await s.call('GET', '/v2/datasource_types/postgresql', { token: other.token })).body.entity.label,
    ).toBe('PostgreSQL');
  });
});

describe('user-defined types', () => {
  const body = {
    base_datasource_type: 'e59b1c36-6f30-4879-9f74-7e81dde4cca6',
    name: 'new_custom_datasource',
    label: 'Custom JDBC datasource',
    description: 'Custom datasource for test purposes.',
    allowed_as_source: true,
    allowed_as_target: false,
    status: 'active',
    origin_country: 'us',
    properties: {
      row_limit_support: 'none',
      password: 'type-default-pw',
      jdbc_url: 'jdbc:x://h',
      username: 'TM_CC_USER_1',
    },
    property_definitions: [
      { name: 'fetch_size', type: 'integer', label: 'Fetch size', required: false, default_value: 100 },
    ],
  };

  it('defines, reads, updates and deletes one; only its owner changes it', async () => {
    const created = await s.call('POST', '/v2/datasource_types', { token: owner.token, body });
    expect(created.status, created.text).toBe(201);
    const t = created.body.datasource_types[0];
    expect(t.metadata).toMatchObject({ asset_type: 'datasource_type', owner_id: owner.iam_id });
    expect(t.entity).toMatchObject({
      name: body.name,
      base_datasource_type: body.base_datasource_type,
      allowed_as_target: false,
    });
    expect(t.entity.properties.password).toBe('type-default-pw');
    const id = t.metadata.asset_id;

    const seen = await s.call('GET', `/v2/datasource_types/${body.name}?connection_properties=true`, {
      token: other.token,
    });
    expect(seen.body.entity.properties.password).toBeUndefined(); // the default secret stays the owner's
    const names = seen.body.entity.connection_properties.map((p: any) => p.name);
    expect(names).toEqual(expect.arrayContaining(['jdbc_url', 'jdbc_driver', 'fetch_size']));
    const listed = await s.call('GET', '/v2/datasource_types?limit=100', { token: other.token });
    expect(listed.body.resources.map((r: any) => r.entity.name)).toContain(body.name);

    // connections of the custom type are checked against its merged definitions
    const c = await s.call('POST', '/transactional/v2/projects', {
      token: owner.token,
      body: { name: 'p', generator: 't', storage: { type: 'assetfiles' } },
    });
    const q = `project_id=${c.body.location.split('/').pop()}`;
    const conn = await s.call('POST', `/v2/connections?${q}&test=false`, {
      token: owner.token,
      body: {
        datasource_type: body.name,
        name: 'c',
        properties: { jdbc_url: 'jdbc:x://h', jdbc_driver: 'x.Driver', fetch_size: 'many' },
      },
    });
    expect(expectConnError(conn, 400)).toMatch(/fetch_size/);

    expectConnError(
      await patch(s, other.token, `/v2/datasource_types/${id}`, [
        { op: 'replace', path: '/name', value: 'stolen' },
      ]),
      403,
    );
    expectConnError(await s.call('DELETE', `/v2/datasource_types/${id}`, { token: other.token }), 403);
    const renamed = await patch(s, owner.token, `/v2/datasource_types/${id}`, [
      {
        op: 'replace',
        path: '/name',
        from: 'new_custom_datasource',
        value: 'new_name_for_custom_datasource',
      },
    ]);
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.body).toMatchObject({
      name: 'new_name_for_custom_datasource',
      label: body.label,
      properties: { password: 'type-default-pw' },
    });
    expectConnError(
      await patch(s, owner.token, `/v2/datasource_types/${id}`, [
        { op: 'replace', path: '/name', value: 'postgresql' },
      ]),
      400,
    );
    expectConnError(
      await patch(s, owner.token, `/v2/datasource_types/${id}`, [
        { op: 'replace', path: '/properties/nope', value: '1' },
      ]),
      400,
    );
    expectConnError(
      await patch(s, owner.token, '/v2/datasource_types/missing-type', [
        { op: 'replace', path: '/name', value: 'a' },
      ]),
      404,
    );

    expect((await s.call('DELETE', `/v2/datasource_types/${id}`, { token: owner.token })).status).toBe(204);
    expectConnError(await s.call('GET', `/v2/datasource_types/${id}`, { token: owner.token }), 404);
    expectConnError(await s.call('DELETE', `/v2/datasource_types/${id}`, { token: owner.token }), 404);
  });

  it('refuses bad definitions with a 400 that names the field', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{}, /'name'/],
      [{ name: 'postgresql' }, /already exists/],
      [{ name: 'x1', base_datasource_type: 'nothing' }, /base data source type/],
      [{ name: 'x2', property_definitions: [{ name: 'a' }, { name: 'a' }] }, /defined twice/],
      [{ name: 'x3', property_definitions: [{ name: 'a', type: 'color' }] }, /type must be one of/],
      [{ name: 'x4', property_definitions: [{ name: 'a', type: 'enum' }] }, /needs values/],
      [
        { name: 'x5', base_datasource_type: 'postgresql', properties: { hots: 'a' } },
        /Unknown property 'hots'/,
      ],
      [{ name: 'bad name!' }, /'name'/],
    ];
    for (const [b, re] of cases)
      expect(
        expectConnError(await s.call('POST', '/v2/datasource_types', { token: owner.token, body: b }), 400),
      ).toMatch(re);
  });

  it('any body gets a 201 or a clear 4xx, never a 5xx (property-based)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            name: fc.oneof(
              fc.stringMatching(/^[a-z][a-z0-9_]{0,12}$/),
              fc.string({ maxLength: 5 }),
              fc.integer(),
            ),
            base_datasource_type: fc.oneof(fc.constantFrom('postgresql', 'jdbc', 'nope'), fc.integer()),
            label: fc.oneof(fc.string({ maxLength: 10 }), fc.integer()),
            properties: fc.dictionary(
              fc.constantFrom('host', 'port', 'password', 'zzz'),
              fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.boolean()),
            ),
            property_definitions: fc.array(
              fc.record({
                name: fc.string({ maxLength: 6 }),
                type: fc.constantFrom('string', 'integer', 'x'),
              }),
              { maxLength: 3 },
            ),
          },
          { requiredKeys: [] },
        ),
        async (b) => {
          const res = await s.call('POST', '/v2/datasource_types', { token: owner.token, body: b });
          expect(res.status, res.text).toBeLessThan(500);
          if (res.status === 201) {
            const del = await s.call(
              'DELETE',
              `/v2/datasource_types/${res.body.datasource_types[0].metadata.asset_id}`,
              { token: owner.token },
            );
            expect(del.status).toBe(204);
          } else expectConnError(res, res.status);
        },
      ),
      { numRuns: 50 },
    );
  });
});
