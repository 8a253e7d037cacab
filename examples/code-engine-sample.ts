// The Code Engine sample of packages/code-engine-sdk/README.md. Run it against a server started with `npm start`:
//   CE_APIKEY=<key> node --import tsx examples/code-engine-sample.ts      (CE_URL defaults to http://localhost:8080)
import {
  CodeEngineV2,
  IamAuthenticator,
  waitForAppReady,
  waitForJobRunFinished,
  waitForProjectActive,
} from '../packages/code-engine-sdk/src/index.ts';

const url = process.env.CE_URL ?? 'http://localhost:8080';
const ce = new CodeEngineV2({
  authenticator: new IamAuthenticator({ apikey: process.env.CE_APIKEY!, url }),
  serviceUrl: `${url}/codeengine/v2`,
  version: '2026-05-14',
});

// A project takes a moment to become active; nothing can go into it before.
const { result: created } = await ce.createProject({ name: `sample-${Date.now()}` });
const projectId = created.id!;
const project = await waitForProjectActive(ce, { id: projectId });
console.log(`project ${project.name} is ${project.status}`);

try {
  // A secret, handed to the app and the job as environment variables.
  await ce.createSecret({ projectId, name: 'greeting', format: 'generic', data: { GREETING: 'hello' } });
  const env: CodeEngineV2.EnvVarPrototype[] = [{ type: 'secret_full_reference', reference: 'greeting' }];

  await ce.createApp({
    projectId,
    name: 'hello',
    imageReference: 'icr.io/codeengine/helloworld',
    runEnvVariables: env,
  });
  const app = await waitForAppReady(ce, { projectId, name: 'hello' });
  console.log(`app ${app.name} is ${app.status} at ${app.endpoint}`);

  await ce.createJob({
    projectId,
    name: 'count',
    imageReference: 'icr.io/codeengine/firstjob',
    runEnvVariables: env,
  });
  for (let i = 0; i < 2; i++) {
    const { result: run } = await ce.createJobRun({ projectId, jobName: 'count' });
    const finished = await waitForJobRunFinished(ce, { projectId, name: run.name! });
    console.log(`job run ${finished.name} ${finished.status}`);
  }
  // One run per page, to show the pager following `next.start`.
  for await (const run of new CodeEngineV2.JobRunsPager(ce, { projectId, jobName: 'count', limit: 1 }))
    console.log(`listed job run ${run.name}`);

  await ce.deleteJob({ projectId, name: 'count' });
  await ce.deleteApp({ projectId, name: 'hello' });
  await ce.deleteSecret({ projectId, name: 'greeting' });
} finally {
  await ce.deleteProject({ id: projectId });
  console.log(`deleted project ${project.name}`);
}
