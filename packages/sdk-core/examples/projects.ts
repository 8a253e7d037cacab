/**
 * A hand-written service on top of the core, as generated code will look, run against a server:
 *   CC_URL=http://localhost:8080 CC_APIKEY=... node --import tsx packages/sdk-core/examples/projects.ts
 */
import { pathToFileURL } from 'node:url';
import {
  BaseService,
  IamAuthenticator,
  NotFoundError,
  bookmarkScheme,
  createPager,
  type UserOptions,
} from '../src/index.ts';

/** The part of a project this example reads. */
interface Project {
  metadata: { guid: string };
  entity: { name: string };
}

export class ProjectsV2 extends BaseService {
  constructor(options: UserOptions) {
    super(options);
  }

  listProjects(params: { limit?: number; bookmark?: string } = {}) {
    return this.createRequest({ options: { url: '/v2/projects', method: 'GET', qs: params } });
  }

  getProject(params: { projectId: string }) {
    return this.createRequest({
      options: { url: '/v2/projects/{project_id}', method: 'GET', path: { project_id: params.projectId } },
    });
  }
}

/** Lists every project name, then shows how a missing project fails. */
export async function main(
  url: string,
  apikey: string,
  pageSize = 50,
): Promise<{ names: string[]; missing: string }> {
  const projects = new ProjectsV2({ authenticator: new IamAuthenticator({ apikey, url }), serviceUrl: url });
  const names: string[] = [];
  const pager = createPager<Project, { limit: number }>(
    (p) => projects.listProjects(p),
    { limit: pageSize },
    'resources',
    bookmarkScheme,
  );
  for await (const project of pager) names.push(project.entity.name);

  let missing = '';
  try {
    await projects.getProject({ projectId: '00000000-0000-4000-8000-000000000000' });
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    missing = `${err.status} ${err.message}`;
  }
  return { names, missing };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { CC_URL = 'http://localhost:8080', CC_APIKEY = '' } = process.env;
  console.log(await main(CC_URL, CC_APIKEY));
}
