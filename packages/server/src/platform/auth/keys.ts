import crypto from 'node:crypto';

/** API keys and project tokens are random; only their SHA-256 is stored. */
export const hashSecret = (secret: string): string =>
  crypto.createHash('sha256').update(secret).digest('hex');

/** 44 URL-safe characters, the length of an IBM Cloud API key. */
export const newApiKey = (): string => crypto.randomBytes(33).toString('base64url');

/** An IBMid-like identifier: `IBMid-` and ten upper-case letters or digits. */
export function newIamId(): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const bytes = crypto.randomBytes(10);
  return 'IBMid-' + Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}
