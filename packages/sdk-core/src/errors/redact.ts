/**
 * Removes secrets from text that may end up in an error message or a log line: bearer and basic
 * credentials, JWTs, and the values of fields named like API keys, passwords, secrets or tokens
 * (in JSON, form and query syntax).
 */
const SECRET_FIELD =
  '(?:api_?key|apikey|password|passcode|client_secret|secret|access_token|refresh_token|token|cr_token)';
const PATTERNS: [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]'],
  [/\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, '[redacted]'],
  [new RegExp(`("${SECRET_FIELD}"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'gi'), '$1"[redacted]"'],
  [new RegExp(`\\b(${SECRET_FIELD}=)[^&\\s"']+`, 'gi'), '$1[redacted]'],
];

export function redact(text: string, knownSecrets: readonly string[] = []): string {
  let out = text;
  for (const secret of knownSecrets)
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key']);

/** A copy of `headers` fit for a log line. */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers))
    out[k] = SECRET_HEADERS.has(k.toLowerCase()) ? '[redacted]' : redact(v);
  return out;
}
