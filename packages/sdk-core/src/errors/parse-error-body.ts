/** What every error body format of our APIs has in common, once parsed. */
export interface ParsedErrorBody {
  message?: string;
  /** Every error code found in the body, in order (message ids like `SPACES0007E`, `BXNIM0415E`, "404"). */
  codes: string[];
  trace?: string;
}

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;

/**
 * Reads the error body formats our APIs answer with:
 * - `{trace, errors: [{code, message, ...}]}` (spaces, connections, environments, Code Engine with `status_code`)
 * - `{code, error, reason, message[, description]}` (projects, transactional: `reason` is the message)
 * - `{code, message, more_info, target}` (jobs)
 * - `{errorCode, errorMessage, context}` (IAM)
 * and, as a fallback, `{error, error_description}`, `{message}` or `{error: "text"}`.
 */
export function parseErrorBody(body: unknown): ParsedErrorBody {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { codes: [] };
  const b = body as Record<string, any>;
  const trace = str(b.trace) ?? str(b.context?.requestId) ?? str(b.context?.transactionId);

  if (Array.isArray(b.errors) && b.errors.length > 0) {
    const entries = b.errors.filter((e: unknown) => e && typeof e === 'object') as Record<string, unknown>[];
    const messages = entries.map((e) => str(e.message)).filter((m): m is string => !!m);
    const codes = entries.map((e) => str(e.code)).filter((c): c is string => !!c);
    return { message: messages.length ? messages.join('; ') : undefined, codes, trace };
  }
  if (b.errorCode !== undefined || b.errorMessage !== undefined) {
    return { message: str(b.errorMessage), codes: [str(b.errorCode)].filter((c): c is string => !!c), trace };
  }
  const codes = [str(b.code)].filter((c): c is string => !!c);
  const errorText = typeof b.error === 'string' ? b.error : str(b.error?.message);
  const message =
    str(b.reason) ?? str(b.message) ?? str(b.error_description) ?? str(b.errorMessage) ?? errorText;
  if (typeof b.error === 'object' && b.error && str(b.error.code)) codes.push(str(b.error.code)!);
  return { message, codes, trace };
}
