import type { Principal } from '../../platform/auth/principal.ts';
import type { AppContext } from '../../platform/context.ts';
import { badRequest, notFound } from '../../platform/errors.ts';
import { requireContainerRole, type ContainerRef } from '../containers/access.ts';
import type { ContainerArchiver } from './archiver.ts';
import type { ContainerRepository } from './repository.ts';
import type { ArchiveRow } from './tables.ts';

/** Archive information as answered: who asked for what and when, and what the archive holds. */
export function presentArchiveInfo(c: ContainerRef, row: ArchiveRow | undefined) {
  const status = row?.status ?? 'active';
  const info: Record<string, unknown> = {
    container: { id: c.id, type: c.kind },
    status,
    archived: status === 'archived',
  };
  if (!row) return info;
  info.requested_at = row.requested_at;
  info.requested_by = row.requested_by;
  if (row.archived_at) {
    info.archived_at = row.archived_at;
    info.archived_by = row.archived_by;
  }
  if (row.status === 'archived' || row.status === 'restoring') {
    info.asset_count = Number(row.asset_count);
    info.attachment_count = Number(row.attachment_count);
  }
  if (row.restored_at) {
    info.restored_at = row.restored_at;
    info.restored_by = row.restored_by;
  }
  if (row.failure) info.failure = row.failure;
  return info;
}

/** The asset container operations: archive and restore (in the background), configurations. */
export class AssetContainerService {
  constructor(
    private readonly ctx: AppContext,
    private readonly repo: ContainerRepository,
    private readonly archiver: ContainerArchiver,
  ) {}

  /** Admins archive; the assets become unreachable at once, and move out in the background. */
  async archive(principal: Principal, c: ContainerRef) {
    await requireContainerRole(this.ctx, principal, c, 'admin', { archived: 'allow' });
    const row = await this.repo.transaction(async (trx) => {
      const current = await this.repo.findArchive(c, trx);
      const status = current?.status ?? 'active';
      if (status !== 'active') {
        throw badRequest(
          status === 'restoring'
            ? `The ${c.kind} ${c.id} is being restored; archive it once the restore has completed.`
            : `The ${c.kind} ${c.id} is already ${status === 'archived' ? 'archived' : 'being archived'}.`,
          { parameters: [c.id, status] },
        );
      }
      return this.request(trx, c, current, 'archiving', principal);
    });
    this.archiver.schedule(c);
    return presentArchiveInfo(c, row);
  }

  /**
   * Admins restore an archived container (202, in the background); asking again while the restore
   * runs answers 200 with its progress. Anything not archived is a 400.
   */
  async restore(principal: Principal, c: ContainerRef): Promise<{ accepted: boolean; info: unknown }> {
    await requireContainerRole(this.ctx, principal, c, 'admin', { archived: 'allow' });
    const result = await this.repo.transaction(async (trx) => {
      const current = await this.repo.findArchive(c, trx);
      if (current?.status === 'restoring') return { accepted: false, row: current };
      if (current?.status !== 'archived') {
        throw badRequest(
          `Only a successfully archived asset container can be restored; the ${c.kind} ${c.id} is ` +
            `${current?.status === 'archiving' ? 'still being archived' : 'not archived'}.`,
          { parameters: [c.id, current?.status ?? 'active'] },
        );
      }
      return { accepted: true, row: await this.request(trx, c, current, 'restoring', principal) };
    });
    if (result.accepted) this.archiver.schedule(c);
    return { accepted: result.accepted, info: presentArchiveInfo(c, result.row) };
  }

  private async request(
    trx: Parameters<ContainerRepository['upsertArchive']>[0],
    c: ContainerRef,
    current: ArchiveRow | undefined,
    status: 'archiving' | 'restoring',
    principal: Principal,
  ): Promise<ArchiveRow> {
    const row: ArchiveRow = {
      container_kind: c.kind,
      container_id: c.id,
      archived_at: null,
      archived_by: null,
      restored_at: null,
      restored_by: null,
      asset_count: 0,
      attachment_count: 0,
      ...current,
      status,
      requested_by: principal.iamId,
      requested_at: new Date().toISOString(),
      failure: null,
      // held by this server from the start: the work begins right after the commit
      lease_owner: this.archiver.me,
      lease_until: new Date(Date.now() + this.archiver.leaseMs).toISOString(),
    };
    await this.repo.upsertArchive(trx, row);
    return row;
  }

  async archiveInfo(principal: Principal, c: ContainerRef) {
    await requireContainerRole(this.ctx, principal, c, 'viewer', { archived: 'allow' });
    return presentArchiveInfo(c, await this.repo.findArchive(c));
  }

  /** Configurations are the container's own settings, kept apart from its assets: readable while archived. */
  async getConfigurations(principal: Principal, c: ContainerRef) {
    await requireContainerRole(this.ctx, principal, c, 'viewer', { archived: 'allow' });
    const found = await this.repo.findConfigurations(c);
    if (!found) {
      throw notFound(`The ${c.kind} ${c.id} has no configurations yet (PUT them to create them).`, {
        parameters: [c.id],
      });
    }
    return found;
  }

  async putConfigurations(principal: Principal, c: ContainerRef, body: Record<string, unknown>) {
    await requireContainerRole(this.ctx, principal, c, 'admin', { archived: 'allow' });
    await this.repo.putConfigurations(c, body, principal.iamId);
    return body;
  }
}
