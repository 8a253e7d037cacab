// Waiters for the common core's long-running work (hand-written; the service class is generated).
import { waitUntil, type WaitOptions } from './core.ts';
import type { CommonCoreV2 } from './generated/common-core-v2.ts';

/** How long and how often to poll: sdk-core's `WaitOptions` without the polling functions. */
export type WaiterOptions<T> = Omit<WaitOptions<T>, 'poll' | 'done' | 'failed'>;

const lower = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : '');

/** Polls a space until its `entity.status.state` is `active`; rejects when it is `failed`. */
export function waitForSpaceActive(
  service: CommonCoreV2,
  params: { spaceId: string } & WaiterOptions<CommonCoreV2.Space>,
): Promise<CommonCoreV2.Space> {
  const { spaceId, ...options } = params;
  return waitUntil({
    initialDelayMs: 250,
    ...options,
    poll: async () => (await service.getSpace({ spaceId, signal: options.signal })).result,
    done: (space) => lower(space.entity?.status?.state) === 'active',
    failed: (space) =>
      lower(space.entity?.status?.state) === 'failed'
        ? `space ${spaceId} failed: ${JSON.stringify(space.entity?.status?.failure ?? {})}`
        : undefined,
  });
}

/**
 * Polls a transactional project operation until its `status` is final: resolves on `succeeded`
 * (or `completed`), rejects on `failed`.
 */
export function waitForTransaction(
  service: CommonCoreV2,
  params: { projectId: string; transactionId: string } & WaiterOptions<CommonCoreV2.TransactionStatus>,
): Promise<CommonCoreV2.TransactionStatus> {
  const { projectId, transactionId, ...options } = params;
  return waitUntil({
    initialDelayMs: 250,
    ...options,
    poll: async () =>
      (await service.transactionalImportStatus({ projectId, transactionId, signal: options.signal })).result,
    done: (t) => ['succeeded', 'completed', 'success'].includes(lower(t.status)),
    failed: (t) => (lower(t.status) === 'failed' ? `transaction ${transactionId} failed` : undefined),
  });
}

/**
 * Polls a job run until it is finished (`Completed`, `CompletedWithWarnings`, `CompletedWithErrors`);
 * rejects when it is `Failed` or `Canceled`.
 */
export function waitForJobRunCompleted(
  service: CommonCoreV2,
  params: {
    jobId: string;
    runId: string;
    projectId?: string;
    spaceId?: string;
  } & WaiterOptions<CommonCoreV2.JobRun>,
): Promise<CommonCoreV2.JobRun> {
  const { jobId, runId, projectId, spaceId, ...options } = params;
  const state = (r: CommonCoreV2.JobRun) => lower((r as any)?.entity?.job_run?.state);
  return waitUntil({
    ...options,
    poll: async () =>
      (await service.getJobRun({ jobId, runId, projectId, spaceId, signal: options.signal })).result,
    done: (r) => ['completed', 'completedwithwarnings', 'completedwitherrors'].includes(state(r)),
    failed: (r) =>
      ['failed', 'canceled'].includes(state(r)) ? `job run ${runId} ended ${state(r)}` : undefined,
  });
}

/** Polls an asset export until it is `completed`; rejects when it is `failed`. */
export function waitForAssetExport(
  service: CommonCoreV2,
  params: {
    exportId: string;
    projectId?: string;
    spaceId?: string;
    catalogId?: string;
  } & WaiterOptions<CommonCoreV2.AssetExport>,
): Promise<CommonCoreV2.AssetExport> {
  const { exportId, projectId, spaceId, catalogId, ...options } = params;
  const state = (e: CommonCoreV2.AssetExport) => lower((e as any)?.entity?.status?.state);
  return waitUntil({
    ...options,
    poll: async () =>
      (await service.getAssetExport({ exportId, projectId, spaceId, catalogId, signal: options.signal }))
        .result,
    done: (e) => state(e) === 'completed',
    failed: (e) => (state(e) === 'failed' ? `asset export ${exportId} failed` : undefined),
  });
}

/** Polls an asset import until it is `completed`; rejects when it is `failed`. */
export function waitForAssetImport(
  service: CommonCoreV2,
  params: {
    importId: string;
    projectId?: string;
    spaceId?: string;
    catalogId?: string;
  } & WaiterOptions<CommonCoreV2.AssetImport>,
): Promise<CommonCoreV2.AssetImport> {
  const { importId, projectId, spaceId, catalogId, ...options } = params;
  const state = (e: CommonCoreV2.AssetImport) => lower((e as any)?.entity?.status?.state);
  return waitUntil({
    ...options,
    poll: async () =>
      (await service.getAssetImport({ importId, projectId, spaceId, catalogId, signal: options.signal }))
        .result,
    done: (e) => state(e) === 'completed',
    failed: (e) => (state(e) === 'failed' ? `asset import ${importId} failed` : undefined),
  });
}

/**
 * The archive state of an asset container, from `getAssetContainerArchiveInfo`. The API documents
 * no fields for it, so the first of `state`, `status`, `archive_status` (a string, or an object with
 * a `state`) is read, lower-cased.
 */
export function archiveStateOf(info: CommonCoreV2.AssetContainerArchiveInfo | undefined): string {
  for (const key of ['state', 'status', 'archive_status']) {
    const v = (info as Record<string, unknown> | undefined)?.[key];
    if (typeof v === 'string') return v.toLowerCase();
    if (v && typeof (v as { state?: unknown }).state === 'string')
      return (v as { state: string }).state.toLowerCase();
  }
  return '';
}

type ContainerRef = { catalogId?: string; projectId?: string; spaceId?: string };

function waitForArchiveState(
  service: CommonCoreV2,
  params: ContainerRef & WaiterOptions<CommonCoreV2.AssetContainerArchiveInfo>,
  target: string[],
  what: string,
): Promise<CommonCoreV2.AssetContainerArchiveInfo> {
  const { catalogId, projectId, spaceId, ...options } = params;
  const container = catalogId ?? projectId ?? spaceId;
  return waitUntil({
    initialDelayMs: 500,
    ...options,
    poll: async () =>
      (
        await service.getAssetContainerArchiveInfo({
          catalogId,
          projectId,
          spaceId,
          signal: options.signal,
        })
      ).result,
    done: (info) => target.includes(archiveStateOf(info)),
    failed: (info) =>
      /fail/.test(archiveStateOf(info))
        ? `${what} of asset container ${container} failed: ${JSON.stringify(info)}`
        : undefined,
  });
}

/** Polls the archive information of a catalog, project or space until it is `archived`; rejects on a failed state. */
export function waitForContainerArchived(
  service: CommonCoreV2,
  params: ContainerRef & WaiterOptions<CommonCoreV2.AssetContainerArchiveInfo>,
): Promise<CommonCoreV2.AssetContainerArchiveInfo> {
  return waitForArchiveState(service, params, ['archived'], 'archiving');
}

/**
 * Polls the archive information of a catalog, project or space until it is restored (`restored`,
 * `active` or `not_archived`); rejects on a failed state.
 */
export function waitForContainerRestored(
  service: CommonCoreV2,
  params: ContainerRef & WaiterOptions<CommonCoreV2.AssetContainerArchiveInfo>,
): Promise<CommonCoreV2.AssetContainerArchiveInfo> {
  return waitForArchiveState(
    service,
    params,
    ['restored', 'active', 'not_archived', 'unarchived'],
    'restoring',
  );
}
