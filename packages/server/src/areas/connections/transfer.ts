import type { AppContext } from '../../platform/context.ts';
import { registerAssetTransferHooks, type TransferCipher } from '../assets/transfer-hooks.ts';
import type { StoredSecrets } from './service.ts';

type Reseal = (sealed: string) => string | undefined;

function mapSecrets(entity: Record<string, unknown>, reseal: Reseal): Record<string, unknown> {
  const { secrets, ...rest } = entity;
  const s = (secrets ?? {}) as StoredSecrets;
  const out: StoredSecrets = {};
  if (typeof s.shared === 'string') {
    const v = reseal(s.shared);
    if (v) out.shared = v;
  }
  for (const [user, sealed] of Object.entries(s.personal ?? {})) {
    const v = typeof sealed === 'string' ? reseal(sealed) : undefined;
    if (v) (out.personal ??= {})[user] = v;
  }
  return out.shared || out.personal ? { ...rest, secrets: out } : rest;
}

/**
 * Connections leaving a container: secrets sealed again with the export's cipher, or left out
 * when the export has none. Entering: opened with the import's cipher and sealed with this
 * server's key, or left out. Never clear text in a file.
 */
export function registerConnectionTransferHooks(): void {
  registerAssetTransferHooks('connection', {
    exportEntity(ctx: AppContext, entity: Record<string, unknown>, cipher?: TransferCipher) {
      return mapSecrets(entity, (sealed) => {
        if (!cipher) return undefined;
        try {
          return cipher.seal(ctx.secrets.open(sealed));
        } catch {
          return undefined;
        }
      });
    },
    importEntity(ctx: AppContext, entity: Record<string, unknown>, cipher?: TransferCipher) {
      return mapSecrets(entity, (sealed) => {
        if (!cipher) return undefined;
        try {
          return ctx.secrets.seal(cipher.open(sealed));
        } catch {
          return undefined;
        }
      });
    },
  });
}
