// The SDKs the generator writes: one service class per contract, and how each list pages.

/** Pagination schemes by name: the sdk-core export a pager uses, or an inline scheme. */
export const SCHEMES = {
  // Projects: the result's `bookmark` goes back as `bookmark`.
  bookmark: { param: 'bookmark', code: 'bookmarkScheme', imports: ['bookmarkScheme'] },
  // Spaces, exports, imports, connections, asset lists, Code Engine: `start` from `next.href` (or `next.start`).
  nextHref: { param: 'start', code: 'nextHrefStartScheme', imports: ['nextHrefStartScheme'] },
  // Jobs and job runs: the result's `next` token goes back as `next`.
  nextToken: { param: 'next', code: 'nextTokenScheme', imports: ['nextTokenScheme'] },
  // Datasource types and connection files: `offset` plus the items received, up to `total_count`.
  offset: { param: 'offset', code: 'offsetLimitScheme()', imports: ['offsetLimitScheme'] },
  // Asset search (a POST): the result's `next.bookmark` goes back as the body's `bookmark`.
  nextBodyBookmark: {
    param: 'bookmark',
    code: "{ param: 'bookmark', next: (r: any) => (typeof r?.next?.bookmark === 'string' && r.next.bookmark ? r.next.bookmark : undefined) }",
    imports: [],
  },
  // Catalogs: the result's `nextBookmark` goes back as `bookmark`.
  nextBookmark: {
    param: 'bookmark',
    code: "{ param: 'bookmark', next: (r: any) => (typeof r?.nextBookmark === 'string' && r.nextBookmark ? r.nextBookmark : undefined) }",
    imports: [],
  },
};

/** Common core lists: pager class, the result's item array and the scheme of its area. */
const COMMON_CORE_PAGERS = {
  listProjects: { className: 'ProjectsPager', itemsField: 'resources', scheme: 'bookmark' },
  listSpaces: { className: 'SpacesPager', itemsField: 'resources', scheme: 'nextHref' },
  listSpaceMembers: { className: 'SpaceMembersPager', itemsField: 'resources', scheme: 'nextHref' },
  listAssetExports: { className: 'AssetExportsPager', itemsField: 'resources', scheme: 'nextHref' },
  listAssetImports: { className: 'AssetImportsPager', itemsField: 'resources', scheme: 'nextHref' },
  listConnections: { className: 'ConnectionsPager', itemsField: 'resources', scheme: 'nextHref' },
  listConnectionFiles: { className: 'ConnectionFilesPager', itemsField: 'resources', scheme: 'offset' },
  discoverAssets: { className: 'DiscoveredAssetsPager', itemsField: 'assets', scheme: 'offset' },
  discoverAssetsAnonymously: {
    className: 'AnonymouslyDiscoveredAssetsPager',
    itemsField: 'assets',
    scheme: 'offset',
  },
  discoverDataAsset: { className: 'DiscoveredDataAssetPager', itemsField: 'assets', scheme: 'offset' },
  listDatasourceTypes: { className: 'DatasourceTypesPager', itemsField: 'resources', scheme: 'offset' },
  listJobs: { className: 'JobsPager', itemsField: 'results', scheme: 'nextToken' },
  listJobRuns: { className: 'JobRunsPager', itemsField: 'results', scheme: 'nextToken' },
  listAssetLists: { className: 'AssetListsPager', itemsField: 'asset_lists', scheme: 'nextHref' },
  listAssetListItems: { className: 'AssetListItemsPager', itemsField: 'items', scheme: 'nextHref' },
  searchAssetType: { className: 'AssetSearchPager', itemsField: 'results', scheme: 'nextBodyBookmark' },
  listCatalogs: { className: 'CatalogsPager', itemsField: 'catalogs', scheme: 'nextBookmark' },
  listCatalogMembers: { className: 'CatalogMembersPager', itemsField: 'members', scheme: 'nextBookmark' },
};

/**
 * Operations that take a page size but no page token, so there is nothing to page with: the job
 * run logs answer one page of `limit` lines (the contract has no token for the next lines).
 */
const COMMON_CORE_SINGLE_PAGE = new Set(['getJobRunLogs']);

export const SERVICES = [
  {
    contract: 'spec/common-core.openapi.json',
    output: 'packages/common-core-sdk/src/generated/common-core-v2.ts',
    className: 'CommonCoreV2',
    serviceName: 'common_core',
    defaultServiceUrl: 'https://api.dataplatform.cloud.ibm.com',
    pagerFor: (op) => COMMON_CORE_PAGERS[op.operationId],
    singlePage: (op) => COMMON_CORE_SINGLE_PAGE.has(op.operationId),
  },
  {
    contract: 'spec/code-engine-v2.openapi.json',
    output: 'packages/code-engine-sdk/src/generated/code-engine-v2.ts',
    className: 'CodeEngineV2',
    serviceName: 'code_engine',
    defaultServiceUrl: 'https://api.au-syd.codeengine.cloud.ibm.com/v2',
    // The `version` query parameter comes from the client's `version` option, as in IBM's SDK.
    versionParam: 'version',
    pagerFor: (op) =>
      op['x-pager'] && {
        className: op['x-pager'].class,
        itemsField: op['x-pager'].itemsField,
        scheme: op['x-pager'].tokenParameter === 'start' ? 'nextHref' : undefined,
      },
  },
];
