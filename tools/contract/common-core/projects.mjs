// Projects (/v2/projects...) and transactional projects (/transactional/v2/projects...).
// Shapes follow the seed's curl bodies and example responses.
import { ref, str, bool, int, arr, obj, map, dateTime } from './common.mjs';

const PROJECT_TYPES = ['cpd', 'wx', 'wca', 'dpx', 'wxbi'];
const MEMBER_ROLES = ['admin', 'editor', 'viewer'];
// A tag has no comma, and < > ' " & only as character entities (e.g. &lt;).
const TAG = str({
  minLength: 1,
  maxLength: 30,
  pattern: `^(?:[^,<>'"&]|&(?:lt|gt|apos|quot|amp|#[0-9]+|#x[0-9a-fA-F]+);)+$`,
});

export const schemas = {
  // ------------------------------------------------------------ project
  ProjectMetadata: obj(
    {
      guid: str({ description: 'Project id.' }),
      url: str({ description: 'Relative URL of the project, /v2/projects/{guid}.' }),
      created_at: dateTime(),
      updated_at: dateTime(),
    },
    ['guid'],
  ),
  StorageCredentials: obj({
    api_key: str(),
    service_id: str(),
    access_key_id: str(),
    secret_access_key: str(),
    resource_key_crn: str(),
  }),
  StorageCredentialsByRole: obj({
    admin: ref('StorageCredentials'),
    editor: ref('StorageCredentials'),
    viewer: ref('StorageCredentials'),
  }),
  ProjectStorage: obj(
    {
      type: str({
        description: 'Storage type, e.g. bmcos_object_storage, assetfiles, amazon_s3, local_git_storage.',
      }),
      guid: str(),
      resource_crn: str(),
      plan_id: str(),
      delegated: bool(),
      properties: obj(
        {
          bucket_name: str(),
          bucket_region: str(),
          endpoint_url: str(),
          credentials: ref('StorageCredentialsByRole'),
        },
        [],
        { additionalProperties: true },
      ),
    },
    ['type'],
  ),
  ProjectScope: obj({
    bss_account_id: str(),
    saml_instance_name: str(),
    enforce_members: bool(),
  }),
  ProjectCompute: obj(
    {
      type: str({ description: 'Service type, e.g. code-assistant.' }),
      guid: str(),
      crn: str(),
      name: str(),
      label: str(),
      credentials: map(),
    },
    [],
  ),
  ProjectCatalog: obj({ guid: str(), public: bool() }),
  ProjectMember: obj(
    {
      user_name: str({ minLength: 1, maxLength: 100 }),
      id: str({ description: 'IAM id of the member.' }),
      role: str({ enum: MEMBER_ROLES }),
      state: str({ description: 'e.g. ACTIVE.' }),
      type: str({ description: 'e.g. user, service.' }),
    },
    ['user_name', 'role'],
  ),
  ProjectMemberList: obj({ members: arr(ref('ProjectMember')) }, ['members']),
  AuditEventsSettings: obj({ enabled: bool() }, ['enabled']),
  AccessRestrictionsSettings: obj(
    {
      data: bool(),
      data_permissions: obj({ editor: bool() }),
      reporting: obj({ authorized: bool() }),
    },
    ['data'],
  ),
  FoldersSettings: obj({ enabled: bool() }),
  ProjectSettings: obj({
    access_restrictions: ref('AccessRestrictionsSettings'),
    audit_events: ref('AuditEventsSettings'),
    folders: ref('FoldersSettings'),
  }),
  JupyterLabIntegration: obj({ guid: str() }, ['guid']),
  ProjectEntity: obj(
    {
      name: str(),
      description: str(),
      type: str({ enum: PROJECT_TYPES }),
      generator: str(),
      public: bool(),
      creator: str(),
      creator_iam_id: str(),
      storage: ref('ProjectStorage'),
      scope: ref('ProjectScope'),
      catalog: ref('ProjectCatalog'),
      compute: arr(ref('ProjectCompute')),
      tools: arr(str()),
      tags: arr(str()),
      members: arr(ref('ProjectMember')),
      settings: ref('ProjectSettings'),
      integrations: obj({ jupyterlab: ref('JupyterLabIntegration') }, [], { additionalProperties: true }),
    },
    [],
    { description: 'Project sections; which ones are present depends on the include parameter.' },
  ),
  Project: obj({ metadata: ref('ProjectMetadata'), entity: ref('ProjectEntity') }, ['metadata']),
  ProjectList: obj(
    {
      total_results: int({ minimum: 0 }),
      bookmark: str({ description: 'Opaque key of the next page.' }),
      resources: arr(ref('Project')),
    },
    ['resources'],
  ),
  ProjectTotal: obj({ total: int({ minimum: 0 }) }, ['total']),
  ProjectUpdate: obj(
    {
      name: str({ minLength: 1 }),
      description: str(),
      compute: arr(ref('ProjectCompute')),
      catalog: obj({ guid: str(), public: bool() }),
      public: bool(),
      tools: arr(str()),
      type: str({ enum: PROJECT_TYPES }),
    },
    [],
    { description: 'Fields to change; absent fields keep their value.' },
  ),
  ProjectMembersRequest: obj(
    {
      members: arr(
        obj(
          {
            user_name: str({ minLength: 1, maxLength: 100 }),
            id: str(),
            role: str({ enum: MEMBER_ROLES }),
            state: str(),
            type: str(),
          },
          ['user_name', 'role'],
        ),
        { minItems: 1 },
      ),
    },
    ['members'],
  ),
  StoragePropertiesUpdate: obj(
    {
      credentials: ref('StorageCredentialsByRole'),
      repository: map({ description: 'local_git_storage repository fields.' }),
    },
    [],
  ),
  StorageProperties: obj({
    credentials: ref('StorageCredentialsByRole'),
    credentials_updated_at: dateTime(),
  }),
  TagList: arr(TAG, { description: 'Project tags.' }),
  TagPatchOperations: arr(
    obj({ op: str({ enum: ['add', 'remove'] }), tags: arr(TAG, { minItems: 1 }) }, ['op', 'tags'], {
      additionalProperties: false,
    }),
    { minItems: 1 },
  ),
  // ------------------------------------------------------------ tokens
  TokenScope: obj(
    {
      audience: str({ description: 'e.g. project.' }),
      guid: str(),
      role: str({ enum: MEMBER_ROLES }),
    },
    ['audience', 'guid', 'role'],
  ),
  ProjectToken: obj(
    {
      guid: str(),
      name: str(),
      scopes: arr(ref('TokenScope')),
      creator: obj({ username: str(), id: str() }),
      created_at: dateTime(),
      last_used_at: dateTime(),
      schema_version: str(),
      token: str({ description: 'The tenant access token.' }),
    },
    ['guid', 'name', 'scopes'],
  ),
  ProjectTokenList: obj({ tokens: arr(ref('ProjectToken')) }, ['tokens']),
  ProjectTokenCreate: obj(
    {
      name: str({ minLength: 1 }),
      scopes: arr(ref('TokenScope'), { minItems: 1 }),
    },
    ['name', 'scopes'],
  ),
  // ------------------------------------------------------------ transactional
  TransactionalProjectCreate: obj(
    {
      name: str({ minLength: 1 }),
      generator: str({ minLength: 1 }),
      description: str(),
      type: str({ enum: PROJECT_TYPES }),
      storage: obj(
        {
          type: str({ enum: ['bmcos_object_storage', 'assetfiles', 'amazon_s3'] }),
          guid: str(),
          resource_crn: str(),
          plan_id: str(),
          delegated: bool(),
          properties: map(),
        },
        [],
      ),
      compute: arr(ref('ProjectCompute')),
      tags: arr(TAG),
      tools: arr(str()),
      public: bool(),
      enforce_members: bool(),
      catalog: obj({ public: bool() }),
      settings: obj({
        access_restrictions: ref('AccessRestrictionsSettings'),
        audit_events: ref('AuditEventsSettings'),
      }),
    },
    ['name', 'generator'],
  ),
  TransactionalProjectImport: obj(
    {
      file: str({ contentMediaType: 'application/zip', description: 'Exported project archive.' }),
      name: str(),
      generator: str(),
      description: str(),
      type: str(),
      tags: str({ description: 'Comma-separated tags.' }),
    },
    ['file'],
    {
      description:
        'Project created from an exported .zip archive; the text fields override the archive manifest ' +
        '(packages/server/src/areas/projects/ARCHIVE.md). The reference documents only the archive.',
    },
  ),
  TransactionResponse: obj(
    {
      location: str({ description: 'Relative URL of the new project.' }),
      transaction_detail: obj(
        {
          id: str(),
          links: obj({ self: str() }, ['self']),
        },
        ['id'],
      ),
    },
    ['location'],
  ),
  TransactionStatus: map({
    description: 'Status of an import transaction. The seed gives no example of this body.',
  }),
};

const j = (schema) => ({ schema });

export const operations = {
  'GET /v2/projects': {
    responses: { 200: ref('ProjectList') },
    // The reference lists no 400, yet its own rules need one: `name` without `bss_account_id`,
    // `roles` or `guids` without `member`, a malformed bookmark.
    extraResponses: [{ status: 400, meaning: 'invalid request' }],
  },
  'GET /v2/projects/total': { operationId: 'getProjectTotal', responses: { 200: ref('ProjectTotal') } },
  'GET /v2/projects/{project_id}': { responses: { 200: ref('Project') } },
  'PATCH /v2/projects/{project_id}': {
    requestBody: j(ref('ProjectUpdate')),
    responses: { 200: ref('Project') },
  },
  'GET /v2/projects/{project_id}/members': { responses: { 200: ref('ProjectMemberList') } },
  'POST /v2/projects/{project_id}/members': {
    requestBody: j(ref('ProjectMembersRequest')),
    responses: { 200: ref('ProjectMemberList') },
  },
  'DELETE /v2/projects/{project_id}/members': {},
  'PATCH /v2/projects/{project_id}/members': {
    requestBody: j(ref('ProjectMembersRequest')),
    responses: { 200: ref('ProjectMemberList') },
  },
  'GET /v2/projects/{project_id}/members/{user_name}': { responses: { 200: ref('ProjectMember') } },
  'DELETE /v2/projects/{project_id}/members/{user_name}': {},
  'PATCH /v2/projects/{project_id}/storage/properties': {
    operationId: 'updateProjectStorageProperties',
    requestBody: j(ref('StoragePropertiesUpdate')),
    responses: { 200: ref('StorageProperties') },
  },
  'GET /v2/projects/{project_id}/tags': {
    operationId: 'listProjectTags',
    responses: { 200: ref('TagList') },
  },
  'POST /v2/projects/{project_id}/tags': {
    operationId: 'createProjectTags',
    requestBody: j({ ...ref('TagList') }),
    responses: { 201: ref('TagList') },
  },
  'DELETE /v2/projects/{project_id}/tags': { operationId: 'deleteProjectTags' },
  'PATCH /v2/projects/{project_id}/tags': {
    operationId: 'updateProjectTags',
    requestBody: j(ref('TagPatchOperations')),
    responses: { 200: ref('TagList') },
  },
  'POST /v2/projects/{project_id}/tags/{tag_name}': {
    operationId: 'createProjectTag',
    // the seed curl sends {}; nothing else is documented
    requestBody: { schema: ref('EmptyObject'), required: false },
    responses: { 201: ref('TagList') },
  },
  'DELETE /v2/projects/{project_id}/tags/{tag_name}': { operationId: 'deleteProjectTag' },
  'GET /v2/projects/{project_id}/settings/audit_events': { responses: { 200: ref('AuditEventsSettings') } },
  'PUT /v2/projects/{project_id}/settings/audit_events': {
    requestBody: j(ref('AuditEventsSettings')),
    responses: { 200: ref('AuditEventsSettings') },
  },
  'GET /v2/projects/{project_id}/settings/access_restrictions': {
    responses: { 200: ref('AccessRestrictionsSettings') },
  },
  'PUT /v2/projects/{project_id}/settings/access_restrictions': {
    requestBody: j(ref('AccessRestrictionsSettings')),
    responses: { 200: ref('AccessRestrictionsSettings') },
  },
  'GET /v2/projects/{project_id}/settings/folders': {
    operationId: 'getFoldersSettings',
    responses: { 200: ref('FoldersSettings') },
  },
  'PUT /v2/projects/{project_id}/settings/folders': {
    operationId: 'updateFoldersSettings',
    requestBody: j(ref('FoldersSettings')),
    responses: { 200: ref('FoldersSettings') },
  },
  'GET /v2/projects/{project_id}/integrations/jupyterlab': {
    responses: { 200: ref('JupyterLabIntegration') },
  },
  'PUT /v2/projects/{project_id}/integrations/jupyterlab': {
    requestBody: j(ref('JupyterLabIntegration')),
    responses: { 200: ref('JupyterLabIntegration') },
  },
  'DELETE /v2/projects/{project_id}/integrations/jupyterlab': {},
  'GET /v2/projects/{project_id}/tokens': { responses: { 200: ref('ProjectTokenList') } },
  'POST /v2/projects/{project_id}/tokens': {
    requestBody: j(ref('ProjectTokenCreate')),
    responses: { 201: ref('ProjectToken') },
  },
  'DELETE /v2/projects/{project_id}/tokens': {},
  'GET /v2/projects/{project_id}/tokens/{token_id}': {
    // get_token (2021) names the introspect call, so this one gets its own name
    operationId: 'getProjectToken',
    responses: { 200: ref('ProjectToken') },
  },
  'DELETE /v2/projects/{project_id}/tokens/{token_id}': {},
  'GET /v2/projects/tokens/introspect': {
    description: 'Called with a project tenant access token as the bearer token.',
    responses: { 200: ref('ProjectToken') },
  },
  // ---------------------------------------------------------- transactional
  'POST /transactional/v2/projects': {
    requestBody: {
      content: {
        'application/json': ref('TransactionalProjectCreate'),
        'multipart/form-data': ref('TransactionalProjectImport'),
      },
    },
    responses: { 201: ref('TransactionResponse'), 202: ref('TransactionResponse') },
    // An archive over the upload limit, and a body that is neither JSON nor a multipart form.
    extraResponses: [
      { status: 413, meaning: 'request entity too large' },
      { status: 415, meaning: 'unsupported media type' },
    ],
  },
  'DELETE /transactional/v2/projects/{project_id}': {},
  'GET /transactional/v2/projects/{project_id}/transactions/{transaction_id}': {
    responses: { 200: ref('TransactionStatus') },
  },
};
