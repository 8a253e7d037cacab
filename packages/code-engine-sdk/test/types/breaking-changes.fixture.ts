// Compile-time proof of the Code Engine SDK 6.0.2 breaking changes on our SDK surface. It is not
// run: `types.test.ts` type-checks it, and every `@ts-expect-error` must meet a real error (an
// unused one fails the check), so each marked line shows something the 6.0.2 surface refuses.
import { CodeEngineV2, IamAuthenticator } from '../../src/index.ts';

const service = new CodeEngineV2({
  authenticator: new IamAuthenticator({ apikey: 'k' }),
  serviceUrl: 'http://localhost:8080/codeengine/v2',
  version: '2026-05-14',
});
const projectId = 'p';

// 1. List methods and pagers are pluralized; the singular names are gone.
export const lists = [
  service.listAllowedOutboundDestinations({ projectId, limit: 10 }),
  service.listPersistentDataStores({ projectId, limit: 10 }),
  // @ts-expect-error listAllowedOutboundDestination was renamed listAllowedOutboundDestinations
  service.listAllowedOutboundDestination({ projectId }),
  // @ts-expect-error listPersistentDataStore was renamed listPersistentDataStores
  service.listPersistentDataStore({ projectId }),
];
export const pagers = [
  new CodeEngineV2.AllowedOutboundDestinationsPager(service, { projectId }),
  new CodeEngineV2.PersistentDataStoresPager(service, { projectId }),
  // @ts-expect-error AllowedOutboundDestinationPager was renamed AllowedOutboundDestinationsPager
  new CodeEngineV2.AllowedOutboundDestinationPager(service, { projectId }),
  // @ts-expect-error PersistentDataStorePager was renamed PersistentDataStoresPager
  new CodeEngineV2.PersistentDataStorePager(service, { projectId }),
];
export type PluralParams = CodeEngineV2.ListAllowedOutboundDestinationsParams &
  CodeEngineV2.ListPersistentDataStoresParams;
// @ts-expect-error the singular params interface is gone
export type SingularParams = CodeEngineV2.ListAllowedOutboundDestinationParams;

// 2. `private_path_service_gateway` next to `cidr_block`, in the constants and the models.
export const types: ('cidr_block' | 'private_path_service_gateway')[] = [
  CodeEngineV2.AllowedOutboundDestination.Constants.Type.CIDR_BLOCK,
  CodeEngineV2.AllowedOutboundDestination.Constants.Type.PRIVATE_PATH_SERVICE_GATEWAY,
  CodeEngineV2.AllowedOutboundDestinationPrototype.Constants.Type.PRIVATE_PATH_SERVICE_GATEWAY,
];
export const statuses: ('ready' | 'failed' | 'deploying')[] = [
  CodeEngineV2.AllowedOutboundDestination.Constants.Status.READY,
  CodeEngineV2.AllowedOutboundDestination.Constants.Status.FAILED,
  CodeEngineV2.AllowedOutboundDestination.Constants.Status.DEPLOYING,
];
export const isolation: ('shared' | 'dedicated')[] = [
  CodeEngineV2.AllowedOutboundDestinationPrototypePrivatePathServiceGatewayDataPrototype.Constants
    .IsolationPolicy.SHARED,
  CodeEngineV2.AllowedOutboundDestinationPrototypePrivatePathServiceGatewayDataPrototype.Constants
    .IsolationPolicy.DEDICATED,
];
export const ppsg: CodeEngineV2.AllowedOutboundDestinationPrototype = {
  type: 'private_path_service_gateway',
  name: 'private-path',
  private_path_service_gateway_crn:
    'crn:v1:bluemix:public:is:us-south:a/123::private-path-service-gateway:r006-1',
  isolation_policy: 'dedicated',
};
export const cidr: CodeEngineV2.AllowedOutboundDestinationPrototype = {
  type: 'cidr_block',
  name: 'cidr',
  cidr_block: '10.0.0.0/8',
};
// @ts-expect-error a Private Path prototype needs its gateway CRN
export const ppsgWithoutCrn: CodeEngineV2.AllowedOutboundDestinationPrototype = {
  type: 'private_path_service_gateway',
  name: 'private-path',
};
export function narrow(d: CodeEngineV2.AllowedOutboundDestination): string {
  return d.type === 'private_path_service_gateway' ? d.private_path_service_gateway_crn : d.cidr_block;
}

// 3. `name` is required on outbound destination prototypes.
// @ts-expect-error name is required
export const cidrWithoutName: CodeEngineV2.AllowedOutboundDestinationPrototype = {
  type: 'cidr_block',
  cidr_block: '10.0.0.0/8',
};
export const created = service.createAllowedOutboundDestination({
  projectId,
  // @ts-expect-error name is required through the SDK method too
  allowedOutboundDestination: { type: 'cidr_block', cidr_block: '10.0.0.0/8' },
});

// 4. Patch models have no `type`: only the variant's own fields.
export const cidrPatch: CodeEngineV2.AllowedOutboundDestinationPatch = { cidr_block: '10.0.0.0/16' };
export const ppsgPatch: CodeEngineV2.AllowedOutboundDestinationPatch = { isolation_policy: 'shared' };
export const typedPatch: CodeEngineV2.AllowedOutboundDestinationPatch = {
  // @ts-expect-error type was removed from the patch models
  type: 'cidr_block',
  cidr_block: '10.0.0.0/16',
};
export const cidrVariantPatch: CodeEngineV2.AllowedOutboundDestinationPatchCidrBlockDataPatch = {
  // @ts-expect-error type was removed from the CIDR patch variant
  type: 'cidr_block',
};
export const updated = service.updateAllowedOutboundDestination({
  projectId,
  name: 'cidr',
  ifMatch: '*',
  allowedOutboundDestination: { cidr_block: '10.0.0.0/24' },
});

// 5. `Probe.type` is required in responses (the prototype keeps it optional, default tcp).
export const probe: CodeEngineV2.Probe = { type: 'http', port: 8080, path: '/health' };
// @ts-expect-error Probe.type is required
export const probeWithoutType: CodeEngineV2.Probe = { port: 8080 };
export const probePrototype: CodeEngineV2.ProbePrototype = { port: 8080 };

// 6. `Secret.format` is required in responses.
// @ts-expect-error Secret.format is required
export const secretWithoutFormat: CodeEngineV2.Secret = { entity_tag: '1', name: 's' };
export const secret: CodeEngineV2.Secret = { entity_tag: '1', name: 's', format: 'generic' };

// 7. Newly required response fields.
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
/** True when every key of K is required in T. */
type AllRequired<T, K extends keyof T> = [K] extends [RequiredKeys<T>] ? true : false;

export const appFields: AllRequired<
  CodeEngineV2.App,
  'computed_env_variables' | 'run_service_account' | 'run_volume_mounts'
> = true;
export const appRevisionFields: AllRequired<
  CodeEngineV2.AppRevision,
  'computed_env_variables' | 'run_service_account' | 'run_volume_mounts'
> = true;
export const jobFields: AllRequired<
  CodeEngineV2.Job,
  'computed_env_variables' | 'run_service_account' | 'run_volume_mounts'
> = true;
export const buildFields: AllRequired<CodeEngineV2.Build, 'run_build_params'> = true;
export const buildRunFields: AllRequired<
  CodeEngineV2.BuildRun,
  'run_build_params' | 'service_account' | 'source_type' | 'strategy_size' | 'strategy_type'
> = true;
export const functionFields: AllRequired<CodeEngineV2.Function, 'computed_env_variables'> = true;
export const jobRunFields: AllRequired<CodeEngineV2.JobRun, 'computed_env_variables'> = true;
export const runtimeListFields: AllRequired<CodeEngineV2.FunctionRuntimeList, 'function_runtimes'> = true;
// @ts-expect-error the check tells optional fields apart: App.status stays optional
export const appStatusRequired: AllRequired<CodeEngineV2.App, 'status'> = true;

// 8. `run_volume_mounts` entries have no `name`.
export const mount: CodeEngineV2.VolumeMountPrototype = {
  mount_path: '/config',
  reference: 'my-config',
  type: 'config_map',
};
export const namedMount: CodeEngineV2.VolumeMountPrototype = {
  mount_path: '/config',
  reference: 'my-config',
  type: 'config_map',
  // @ts-expect-error name was removed from volume mounts
  name: 'old-name',
};
export const app = service.createApp({
  projectId,
  name: 'app',
  imageReference: 'icr.io/codeengine/helloworld',
  runVolumeMounts: [
    {
      mount_path: '/secret',
      reference: 'my-secret',
      type: 'secret',
      // @ts-expect-error name was removed from run_volume_mounts through the SDK method too
      name: 'old-name',
    },
  ],
});
export function mountName(m: CodeEngineV2.VolumeMount): unknown {
  // @ts-expect-error the response VolumeMount has no name either
  return m.name;
}

// Generator typing rules (not 6.0.2 changes). A nullable enum is its open enum | null: `null` clears
// a patch member, a known value or a later one is taken, another type is refused; the operation's
// constants list the values.
export const clearedRunMode: CodeEngineV2.JobPatch = { run_mode: null, run_service_account: 'writer' };
export const patchedJob = service.updateJob({
  projectId,
  name: 'job',
  ifMatch: '*',
  runMode: CodeEngineV2.UpdateJobConstants.RunMode.DAEMON,
  runServiceAccount: null,
});
// @ts-expect-error a number is no run mode
export const numericRunMode: CodeEngineV2.JobPatch = { run_mode: 1 };
// `timeout` of createBuildRun is the build's (seconds); the request timeout goes in the second argument.
export const timedBuildRun = service.createBuildRun(
  { projectId, buildName: 'build', timeout: 600 },
  { timeout: 5000, headers: { 'X-Request-ID': 'r1' } },
);
// @ts-expect-error the build's timeout is a number of seconds, not a per-call option object
export const wrongBuildTimeout = service.createBuildRun({ projectId, buildName: 'build', timeout: '600' });
