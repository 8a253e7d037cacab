// Asset containers (/v2/asset_containers...). The seed documents no bodies for
// this area. The archive request and the configurations are open objects; the
// archive information has the fields this implementation answers with (the
// seed names none), each described below.
import { str, int, bool, obj, map, dateTime, ref } from './common.mjs';

const containerMissing = [{ status: 404, meaning: 'no such catalog, project or space' }];

export const schemas = {
  AssetContainerArchiveRequest: map({
    description: 'Archive request. Its fields are not documented in the seed; none is needed.',
  }),
  AssetContainerArchiveInfo: obj(
    {
      container: obj({ id: str(), type: str({ enum: ['catalog', 'project', 'space'] }) }, ['id', 'type']),
      status: str({
        enum: ['active', 'archiving', 'archived', 'restoring'],
        description:
          'active: the assets are reachable; archiving / restoring: the work runs in the background and the assets are not reachable; archived: the assets are kept out of the assets database and are not reachable until restored.',
      }),
      archived: bool({ description: 'Whether the container is archived (status archived).' }),
      requested_at: dateTime({ description: 'When the last archive or restore was asked for.' }),
      requested_by: str({ description: 'IAM id of who asked for it.' }),
      archived_at: dateTime({ description: 'When the last archive completed.' }),
      archived_by: str(),
      restored_at: dateTime({ description: 'When the last restore completed.' }),
      restored_by: str(),
      asset_count: int({ minimum: 0, description: 'Assets in the archive (archived or restoring).' }),
      attachment_count: int({ minimum: 0, description: 'Attachments of those assets.' }),
      failure: str({
        description: 'Why the last archive or restore failed; the container stayed as it was.',
      }),
    },
    ['container', 'status', 'archived'],
    {
      description:
        'Archive information of an asset container. The seed documents no fields; these are the fields of this implementation.',
    },
  ),
  AssetContainerConfigurations: map({
    description: 'Configurations of the asset container. Their fields are not documented in the seed.',
  }),
};

export const operations = {
  'POST /v2/asset_containers/archive': {
    operationId: 'archiveAssetContainer',
    description:
      'Admins only. The assets become unreachable at once (403 with code asset_container_archived on every asset operation) and move out of the assets database in the background.',
    requestBody: { schema: ref('AssetContainerArchiveRequest'), required: false },
    responses: { 202: ref('AssetContainerArchiveInfo') },
    extraResponses: containerMissing,
  },
  'GET /v2/asset_containers/archive_info': {
    operationId: 'getAssetContainerArchiveInfo',
    responses: { 200: ref('AssetContainerArchiveInfo') },
    extraResponses: containerMissing,
  },
  'GET /v2/asset_containers/configurations': {
    operationId: 'getAssetContainerConfigurations',
    responses: { 200: ref('AssetContainerConfigurations') },
  },
  'PUT /v2/asset_containers/configurations': {
    operationId: 'replaceAssetContainerConfigurations',
    requestBody: { schema: ref('AssetContainerConfigurations') },
    responses: { 200: ref('AssetContainerConfigurations') },
    extraResponses: containerMissing,
  },
  'POST /v2/asset_containers/restore': {
    operationId: 'restoreAssetContainer',
    description:
      'Admins only. 202: the restore starts in the background; 200: a restore is already running. A container that is not archived is a 400.',
    responses: { 200: ref('AssetContainerArchiveInfo'), 202: ref('AssetContainerArchiveInfo') },
    extraResponses: containerMissing,
  },
};
