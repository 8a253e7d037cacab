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
  // user:password@ in URLs (a proxy's, a service URL's)
  [/(\/\/)[^/@\s:]+:[^/@\s]+@/g, '$1[redacted]@'],
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

/**
 * The secrets a request carries in its credentials headers: the token or key after the scheme,
 * and for Basic credentials also the decoded `user:password` and the password alone. They are
 * removed from any error message about that request, even where no pattern would spot them.
 */
export function secretsOfHeaders(headers: Record<string, string>): string[] {
  const out: string[] = [];
  for (const name of ['authorization', 'proxy-authorization', 'x-api-key']) {
    const value = headers[name];
    if (!value) continue;
    const [scheme, credential] = value.includes(' ') ? value.split(/\s+/, 2) : ['', value];
    if (!credential) continue;
    out.push(credential);
    if (scheme.toLowerCase() === 'basic') {
      const decoded = decodeBase64(credential);
      if (decoded) out.push(decoded, decoded.slice(decoded.indexOf(':') + 1));
    }
  }
  return out;
}

function decodeBase64(text: string): string | undefined {
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(text), (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
}

const SECRET_BODY_FIELDS = new Set([
  'apikey',
  'api_key',
  'password',
  'passcode',
  'client_secret',
  'refresh_token',
  'cr_token',
  'access_token',
]);

/** The secret values of a token request body (form or JSON): API keys, passwords, tokens. */
export function secretsOfBody(body: string): string[] {
  const out: string[] = [];
  const trimmed = body.trim();
  if (trimmed.startsWith('{')) {
    try {
      for (const [k, v] of Object.entries(JSON.parse(trimmed) as Record<string, unknown>))
        if (SECRET_BODY_FIELDS.has(k.toLowerCase()) && typeof v === 'string') out.push(v);
    } catch {
      /* not JSON after all */
    }
  } else
    for (const [k, v] of new URLSearchParams(trimmed))
      if (SECRET_BODY_FIELDS.has(k.toLowerCase())) out.push(v);
  return out;
}
