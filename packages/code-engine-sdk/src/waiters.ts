// Waiters for Code Engine's long-running work (hand-written; the service class is generated).
// Each polls the resource's `status` with sdk-core's `waitUntil` until it is final.
import { waitUntil, type WaitOptions } from './core.ts';
import type { CodeEngineV2 } from './generated/code-engine-v2.ts';

/** How long and how often to poll: sdk-core's `WaitOptions` without the polling functions. */
export type WaiterOptions<T> = Omit<WaitOptions<T>, 'poll' | 'done' | 'failed'>;

/** Waits until `read()`'s `status` is one of `done`; rejects when it is one of `failed`. */
function waitForStatus<T extends { status?: string }>(
  what: string,
  read: (signal?: AbortSignal) => Promise<{ result: T }>,
  done: string[],
  failed: string[],
  options: WaiterOptions<T>,
): Promise<T> {
  return waitUntil({
    initialDelayMs: 500,
    ...options,
    poll: async () => (await read(options.signal)).result,
    done: (r) => done.includes(r.status ?? ''),
    failed: (r) => (failed.includes(r.status ?? '') ? `${what} is ${r.status}` : undefined),
  });
}

/** Polls a project until it is `active`; rejects on `creation_failed` or a deletion state. */
export function waitForProjectActive(
  service: CodeEngineV2,
  params: { id: string } & WaiterOptions<CodeEngineV2.Project>,
): Promise<CodeEngineV2.Project> {
  const { id, ...options } = params;
  return waitForStatus(
    `project ${id}`,
    (signal) => service.getProject({ id, signal }),
    ['active'],
    ['creation_failed', 'deletion_failed', 'hard_deletion_failed', 'soft_deleted', 'hard_deleted'],
    options,
  );
}

/** Polls an app until it is `ready`; rejects when it is `failed`. */
export function waitForAppReady(
  service: CodeEngineV2,
  params: { projectId: string; name: string } & WaiterOptions<CodeEngineV2.App>,
): Promise<CodeEngineV2.App> {
  const { projectId, name, ...options } = params;
  return waitForStatus(
    `app ${name}`,
    (signal) => service.getApp({ projectId, name, signal }),
    ['ready'],
    ['failed'],
    options,
  );
}

/** Polls a build run until it `succeeded`; rejects when it `failed`. */
export function waitForBuildRunFinished(
  service: CodeEngineV2,
  params: { projectId: string; name: string } & WaiterOptions<CodeEngineV2.BuildRun>,
): Promise<CodeEngineV2.BuildRun> {
  const { projectId, name, ...options } = params;
  return waitForStatus(
    `build run ${name}`,
    (signal) => service.getBuildRun({ projectId, name, signal }),
    ['succeeded'],
    ['failed'],
    options,
  );
}

/** Polls a job run until it is `completed`; rejects when it `failed`. */
export function waitForJobRunFinished(
  service: CodeEngineV2,
  params: { projectId: string; name: string } & WaiterOptions<CodeEngineV2.JobRun>,
): Promise<CodeEngineV2.JobRun> {
  const { projectId, name, ...options } = params;
  return waitForStatus(
    `job run ${name}`,
    (signal) => service.getJobRun({ projectId, name, signal }),
    ['completed'],
    ['failed'],
    options,
  );
}

/** Polls a function until it is `ready`; rejects when it is `failed`. */
export function waitForFunctionReady(
  service: CodeEngineV2,
  params: { projectId: string; name: string } & WaiterOptions<CodeEngineV2.Function>,
): Promise<CodeEngineV2.Function> {
  const { projectId, name, ...options } = params;
  return waitForStatus(
    `function ${name}`,
    (signal) => service.getFunction({ projectId, name, signal }),
    ['ready'],
    ['failed'],
    options,
  );
}

/** Polls a domain mapping until it is `ready`; rejects when it is `failed`. */
export function waitForDomainMappingReady(
  service: CodeEngineV2,
  params: { projectId: string; name: string } & WaiterOptions<CodeEngineV2.DomainMapping>,
): Promise<CodeEngineV2.DomainMapping> {
  const { projectId, name, ...options } = params;
  return waitForStatus(
    `domain mapping ${name}`,
    (signal) => service.getDomainMapping({ projectId, name, signal }),
    ['ready'],
    ['failed'],
    options,
  );
}

/** Polls an allowed outbound destination until it is `ready`; rejects when it is `failed`. */
export function waitForAllowedOutboundDestinationReady(
  service: CodeEngineV2,
  params: { projectId: string; name: string } & WaiterOptions<CodeEngineV2.AllowedOutboundDestination>,
): Promise<CodeEngineV2.AllowedOutboundDestination> {
  const { projectId, name, ...options } = params;
  return waitForStatus(
    `allowed outbound destination ${name}`,
    (signal) => service.getAllowedOutboundDestination({ projectId, name, signal }),
    ['ready'],
    ['failed'],
    options,
  );
}
