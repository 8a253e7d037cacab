// The README's SDK quick start. Run against a server started with `npm start`:
//   CC_URL=http://localhost:8080 CC_APIKEY=<key> node --import tsx examples/sdk-quickstart.ts
import { CommonCoreV2, IamAuthenticator } from '../packages/common-core-sdk/src/index.ts';

const url = process.env.CC_URL ?? 'http://localhost:8080';
const service = new CommonCoreV2({
  authenticator: new IamAuthenticator({ apikey: process.env.CC_APIKEY!, url }),
  serviceUrl: url,
});
const created = await service.transactionalPostProject({
  name: `quickstart ${Date.now()}`,
  generator: 'sdk',
});
const projectId = created.result.location!.split('/').pop()!;
const { result: project } = await service.getProject({ projectId, include: 'fields,members' });
console.log(`created ${project.entity?.name}; members: ${project.entity?.members?.map((m) => m.user_name)}`);
for await (const p of new CommonCoreV2.ProjectsPager(service, { limit: 50 })) console.log(p.metadata?.guid);
