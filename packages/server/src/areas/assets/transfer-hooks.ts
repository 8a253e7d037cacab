import type { AppContext } from '../../platform/context.ts';

/**
 * How an export seals a secret with the caller's `encryption_key`, and how an import opens it.
 * Absent when the export or import has no key: secrets are then left out of the file.
 */
export interface TransferCipher {
  seal(value: unknown): string;
  open(sealed: string): unknown;
}

/**
 * Per-type rules for assets leaving or entering a container (asset exports and imports, project
 * archives). Types without hooks travel as stored. References between assets need no hook: an
 * import replaces every string equal to an exported asset id with the new id.
 */
export interface AssetTransferHooks {
  /** The entity as written to an export file: never a secret in clear text. */
  exportEntity(
    ctx: AppContext,
    entity: Record<string, unknown>,
    cipher?: TransferCipher,
  ): Record<string, unknown>;
  /** The entity as stored by an import: secrets opened with the cipher, sealed again with the server's key. */
  importEntity(
    ctx: AppContext,
    entity: Record<string, unknown>,
    cipher?: TransferCipher,
  ): Record<string, unknown>;
}

const hooks = new Map<string, AssetTransferHooks>();

/** Called once by the area that owns the asset type (e.g. connections). */
export function registerAssetTransferHooks(assetType: string, typeHooks: AssetTransferHooks): void {
  hooks.set(assetType, typeHooks);
}

export function assetTransferHooksOf(assetType: string): AssetTransferHooks | undefined {
  return hooks.get(assetType);
}
