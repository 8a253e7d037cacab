// Every generated pager of CommonCoreV2 against a real local HTTP server that pages 25 items in the
// scheme of the pager's area: the pager must send the right token back and stop after the last page.
// End-to-end paging against our server is in each area's tests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  json,
  startScriptedServer,
  type ScriptedServer,
} from '../../sdk-core/test/helpers/scripted-server.ts';
import { CommonCoreV2, NoAuthAuthenticator, Pager } from '../src/index.ts';

let server: ScriptedServer;
let service: CommonCoreV2;
beforeAll(async () => {
  server = await startScriptedServer();
  service = new CommonCoreV2({ authenticator: new NoAuthAuthenticator(), serviceUrl: server.url });
});
afterAll(() => server.close());

const TOTAL = 25;
const LIMIT = 10;
const items = Array.from({ length: TOTAL }, (_, i) => ({ id: `item-${i}` }));

type Scheme = 'bookmark' | 'nextHref' | 'nextToken' | 'offset' | 'nextBookmark' | 'bodyBookmark';
/** Where the token is read from in a request, and how a page answers with the next one. */
const SCHEMES: Record<
  Scheme,
  {
    start(url: URL, body: any): number;
    page(field: string, from: number, next: number | undefined, path: string): Record<string, unknown>;
  }
> = {
  bookmark: {
    start: (u) => Number(u.searchParams.get('bookmark') ?? 0),
    page: (f, from, next) => ({ [f]: items.slice(from, from + LIMIT), bookmark: next?.toString() ?? '' }),
  },
  nextHref: {
    start: (u) => Number(u.searchParams.get('start') ?? 0),
    page: (f, from, next, path) => ({
      [f]: items.slice(from, from + LIMIT),
      ...(next !== undefined ? { next: { href: `${path}?limit=${LIMIT}&start=${next}` } } : {}),
    }),
  },
  nextToken: {
    start: (u) => Number(u.searchParams.get('next') ?? 0),
    page: (f, from, next) => ({ [f]: items.slice(from, from + LIMIT), next: next?.toString() }),
  },
  offset: {
    start: (u) => Number(u.searchParams.get('offset') ?? 0),
    page: (f, from) => ({ [f]: items.slice(from, from + LIMIT), offset: from, total_count: TOTAL }),
  },
  nextBookmark: {
    start: (u) => Number(u.searchParams.get('bookmark') ?? 0),
    page: (f, from, next) => ({ [f]: items.slice(from, from + LIMIT), nextBookmark: next?.toString() }),
  },
  bodyBookmark: {
    start: (_u, body) => Number(body?.bookmark || 0),
    page: (f, from, next) => ({
      total_rows: TOTAL,
      [f]: items.slice(from, from + LIMIT),
      ...(next !== undefined ? { next: { query: '*:*', limit: LIMIT, bookmark: String(next) } } : {}),
    }),
  },
};

interface Case {
  pager: new (client: CommonCoreV2, params: any) => Pager<any>;
  params: Record<string, unknown>;
  path: string;
  field: string;
  scheme: Scheme;
}
const cases: Case[] = [
  {
    pager: CommonCoreV2.ProjectsPager,
    params: {},
    path: '/v2/projects',
    field: 'resources',
    scheme: 'bookmark',
  },
  { pager: CommonCoreV2.SpacesPager, params: {}, path: '/v2/spaces', field: 'resources', scheme: 'nextHref' },
  {
    pager: CommonCoreV2.SpaceMembersPager,
    params: { spaceId: 's1' },
    path: '/v2/spaces/s1/members',
    field: 'resources',
    scheme: 'nextHref',
  },
  {
    pager: CommonCoreV2.AssetExportsPager,
    params: { projectId: 'p1' },
    path: '/v2/asset_exports',
    field: 'resources',
    scheme: 'nextHref',
  },
  {
    pager: CommonCoreV2.AssetImportsPager,
    params: { projectId: 'p1' },
    path: '/v2/asset_imports',
    field: 'resources',
    scheme: 'nextHref',
  },
  {
    pager: CommonCoreV2.ConnectionsPager,
    params: { projectId: 'p1' },
    path: '/v2/connections',
    field: 'resources',
    scheme: 'nextHref',
  },
  {
    pager: CommonCoreV2.ConnectionFilesPager,
    params: {},
    path: '/v2/connections/files',
    field: 'resources',
    scheme: 'offset',
  },
  {
    pager: CommonCoreV2.DatasourceTypesPager,
    params: {},
    path: '/v2/datasource_types',
    field: 'resources',
    scheme: 'offset',
  },
  {
    pager: CommonCoreV2.DiscoveredAssetsPager,
    params: { connectionId: 'c1', path: '/', projectId: 'p1' },
    path: '/v2/connections/c1/assets',
    field: 'assets',
    scheme: 'offset',
  },
  {
    pager: CommonCoreV2.DiscoveredDataAssetPager,
    params: { dataAssetId: 'd1', projectId: 'p1' },
    path: '/v2/connections/assets/d1',
    field: 'assets',
    scheme: 'offset',
  },
  {
    pager: CommonCoreV2.AnonymouslyDiscoveredAssetsPager,
    params: { path: '/', name: 'db', datasourceType: 'db2', bodyProperties: {} },
    path: '/v2/connections/assets',
    field: 'assets',
    scheme: 'offset',
  },
  {
    pager: CommonCoreV2.JobsPager,
    params: { projectId: 'p1' },
    path: '/v2/jobs',
    field: 'results',
    scheme: 'nextToken',
  },
  {
    pager: CommonCoreV2.JobRunsPager,
    params: { jobId: 'j1', projectId: 'p1' },
    path: '/v2/jobs/j1/runs',
    field: 'results',
    scheme: 'nextToken',
  },
  {
    pager: CommonCoreV2.AssetListsPager,
    params: {},
    path: '/v2/asset_lists',
    field: 'asset_lists',
    scheme: 'nextHref',
  },
  {
    pager: CommonCoreV2.AssetListItemsPager,
    params: { assetListId: 'l1' },
    path: '/v2/asset_lists/l1/items',
    field: 'items',
    scheme: 'nextHref',
  },
  {
    pager: CommonCoreV2.AssetSearchPager,
    params: { typeName: 'data_asset', projectId: 'p1', query: '*:*' },
    path: '/v2/asset_types/data_asset/search',
    field: 'results',
    scheme: 'bodyBookmark',
  },
  {
    pager: CommonCoreV2.CatalogsPager,
    params: {},
    path: '/v2/catalogs',
    field: 'catalogs',
    scheme: 'nextBookmark',
  },
  {
    pager: CommonCoreV2.CatalogMembersPager,
    params: { catalogId: 'k1' },
    path: '/v2/catalogs/k1/members',
    field: 'members',
    scheme: 'nextBookmark',
  },
];

describe('generated pagers', () => {
  it('every pager class of CommonCoreV2 is covered here', () => {
    const classes = Object.keys(CommonCoreV2).filter((k) => k.endsWith('Pager'));
    expect(classes.sort()).toEqual(cases.map((c) => c.pager.name).sort());
  });

  it.each(cases.map((c) => [c.pager.name, c] as const))('%s walks every page', async (_name, c) => {
    const scheme = SCHEMES[c.scheme];
    server.requests.length = 0;
    server.handle((req, res, raw) => {
      const url = new URL(req.url!, 'http://x');
      const body = raw.length ? JSON.parse(raw.toString()) : undefined;
      const from = scheme.start(url, body);
      const next = from + LIMIT < TOTAL ? from + LIMIT : undefined;
      json(res, 200, scheme.page(c.field, from, next, c.path));
    });
    const seen: unknown[] = [];
    for await (const item of new c.pager(service, { ...c.params, limit: LIMIT })) seen.push(item);
    expect(seen).toEqual(items);
    expect(server.requests).toHaveLength(3);
    expect(new Set(server.requests.map((r) => new URL(r.url, 'http://x').pathname))).toEqual(
      new Set([c.path]),
    );
  });
});
