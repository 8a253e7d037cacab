/** Settings of the Code Engine area, read from the environment when the area is registered. */
export interface CodeEngineSettings {
  /** How long resources stay in their transitional status (`creating`, `deploying`...). */
  readyMs: number;
  /** How long a deleted project shows `deleting` before it is gone. */
  deleteMs: number;
}

export const DEFAULT_READY_MS = 1500;

function millis(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return n;
}

export function loadCodeEngineSettings(env: NodeJS.ProcessEnv = process.env): CodeEngineSettings {
  const readyMs = millis(env.CODE_ENGINE_READY_MS, DEFAULT_READY_MS, 'CODE_ENGINE_READY_MS');
  return { readyMs, deleteMs: millis(env.CODE_ENGINE_DELETE_MS, readyMs, 'CODE_ENGINE_DELETE_MS') };
}

/** `region` of every resource: this server is one local region. */
export const REGION = 'local';
