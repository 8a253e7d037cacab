// Deployment spaces (/v2/spaces...). Shapes follow the seed's curl bodies and
// example responses, with field names confirmed by the watsonx.ai SDK.
import { ref, str, bool, int, arr, obj, map, dateTime, jsonPatch } from './common.mjs';

const MEMBER_ROLES = ['admin', 'editor', 'viewer'];

/** Paths the seed allows in PATCH /v2/spaces/{space_id}. */
export const SPACE_PATCH_PATHS = [
  '/name',
  '/description',
  '/compute',
  '/stage/name',
  '/type',
  '/settings/folders/enabled',
  '/settings/access_restrictions/reporting/authorized',
];
/** Paths the seed allows in PATCH /v2/spaces/{space_id}/members/{member_id}. */
export const SPACE_MEMBER_PATCH_PATHS = ['/role', '/state'];

const spaceSettings = () =>
  obj({
    folders: obj({ enabled: bool() }),
    access_restrictions: obj({ reporting: obj({ authorized: bool() }) }),
  });

export const schemas = {
  SpaceCompute: obj(
    {
      name: str(),
      crn: str(),
      guid: str(),
      type: str({ description: 'e.g. machine_learning.' }),
    },
    [],
  ),
  SpaceMember: obj(
    {
      id: str({ description: 'IAM id of the user or service id.' }),
      role: str({ enum: MEMBER_ROLES }),
      state: str({ description: 'e.g. active.' }),
      type: str({ description: 'e.g. user, service.' }),
    },
    ['id', 'role'],
  ),
  SpaceStorage: obj(
    {
      type: str(),
      guid: str(),
      resource_crn: str(),
      plan_id: str(),
      delegated: bool(),
      properties: map(),
    },
    [],
  ),
  SpaceEntity: obj(
    {
      name: str(),
      description: str(),
      compute: arr(ref('SpaceCompute')),
      members: arr(ref('SpaceMember')),
      scope: obj({ bss_account_id: str() }),
      settings: spaceSettings(),
      stage: obj({ production: bool(), name: str() }),
      status: obj({ state: str({ description: 'e.g. preparing, active.' }), failure: map() }),
      storage: ref('SpaceStorage'),
      tags: arr(str()),
      type: str({ description: 'e.g. cpd.' }),
      generator: str(),
    },
    [],
  ),
  SpaceMetadata: obj(
    {
      id: str(),
      url: str({ description: 'Relative URL, /v2/spaces/{id}.' }),
      created_at: dateTime(),
      updated_at: dateTime(),
      creator_id: str(),
    },
    ['id'],
  ),
  Space: obj({ entity: ref('SpaceEntity'), metadata: ref('SpaceMetadata') }, ['metadata']),
  SpaceList: obj(
    {
      first: ref('HrefLink'),
      next: ref('HrefLink'),
      limit: int({ minimum: 1 }),
      total_count: int({ minimum: 0 }),
      resources: arr(ref('Space')),
    },
    ['resources'],
  ),
  SpaceMemberList: obj(
    {
      first: ref('HrefLink'),
      next: ref('HrefLink'),
      limit: int({ minimum: 1 }),
      total_count: int({ minimum: 0 }),
      resources: arr(ref('SpaceMember')),
    },
    ['resources'],
  ),
  SpaceCreate: obj(
    {
      name: str({ minLength: 1 }),
      description: str(),
      storage: obj(
        {
          resource_crn: str({ minLength: 1 }),
          delegated: bool(),
          plan_id: str(),
          properties: map(),
        },
        ['resource_crn'],
      ),
      compute: arr(obj({ name: str(), crn: str() }, ['name', 'crn'])),
      tags: arr(str()),
      generator: str(),
      stage: obj({ production: bool(), name: str() }),
      type: str(),
      settings: spaceSettings(),
    },
    ['name'],
  ),
  SpacePatch: jsonPatch({
    paths: SPACE_PATCH_PATHS,
    description: 'RFC 6902 JSON Patch; the paths are the ones the seed allows.',
  }),
  SpaceMembersCreate: obj(
    {
      members: arr(
        obj(
          {
            id: str({ minLength: 1 }),
            role: str({ enum: MEMBER_ROLES }),
            state: str(),
            type: str(),
          },
          ['id', 'role'],
        ),
        { minItems: 1 },
      ),
    },
    ['members'],
  ),
  SpaceMemberPatch: jsonPatch({
    paths: SPACE_MEMBER_PATCH_PATHS,
    description: 'RFC 6902 JSON Patch; the seed allows /role and /state.',
  }),
};

export const operations = {
  'POST /v2/spaces': {
    operationId: 'createSpace',
    requestBody: { schema: ref('SpaceCreate') },
    responses: { 202: ref('Space') },
  },
  'GET /v2/spaces': { operationId: 'listSpaces', responses: { 200: ref('SpaceList') } },
  'GET /v2/spaces/{space_id}': { operationId: 'getSpace', responses: { 200: ref('Space') } },
  'DELETE /v2/spaces/{space_id}': { operationId: 'deleteSpace' },
  'PATCH /v2/spaces/{space_id}': {
    operationId: 'updateSpace',
    requestBody: { schema: ref('SpacePatch') },
    responses: { 200: ref('Space') },
  },
  'GET /v2/spaces/{space_id}/members': {
    operationId: 'listSpaceMembers',
    responses: { 200: ref('SpaceMemberList') },
  },
  'POST /v2/spaces/{space_id}/members': {
    operationId: 'createSpaceMembers',
    requestBody: { schema: ref('SpaceMembersCreate') },
    responses: { 200: ref('SpaceMemberList') },
  },
  'GET /v2/spaces/{space_id}/members/{member_id}': {
    operationId: 'getSpaceMember',
    responses: { 200: ref('SpaceMember') },
  },
  'DELETE /v2/spaces/{space_id}/members/{member_id}': { operationId: 'deleteSpaceMember' },
  'PATCH /v2/spaces/{space_id}/members/{member_id}': {
    operationId: 'updateSpaceMember',
    requestBody: { schema: ref('SpaceMemberPatch') },
    responses: { 200: ref('SpaceMember') },
  },
};
