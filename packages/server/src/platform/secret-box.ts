import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const KEY_FILE = 'secrets.key';
const FORMAT = 'v1';

/**
 * Seals sensitive values (secret data) with AES-256-GCM before they reach the database.
 *
 * The key comes from `SECRETS_KEY` (32 bytes as base64 or hex) or, when unset, from
 * `DATA_DIR/secrets.key`, generated on first use with mode 0600. It never goes into the database,
 * on SQLite or PostgreSQL alike, so a database copy alone does not reveal secrets; servers that
 * share one PostgreSQL database must share the key through `SECRETS_KEY`.
 *
 * Sealed text: `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url); the key id tells a wrong key
 * apart from tampered data.
 */
export class SecretBox {
  private readonly keyId: string;

  private constructor(private readonly key: Buffer) {
    this.keyId = crypto.createHash('sha256').update(key).digest('base64url').slice(0, 8);
  }

  static fromEnvironment(dataDir: string, env: NodeJS.ProcessEnv = process.env): SecretBox {
    if (env.SECRETS_KEY) return new SecretBox(parseKey(env.SECRETS_KEY));
    return new SecretBox(keyFromFile(path.join(dataDir, KEY_FILE)));
  }

  seal(value: unknown): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url'));
    return [FORMAT, this.keyId, ...parts].join('.');
  }

  open<T>(sealed: string): T {
    const [format, keyId, iv, tag, body] = sealed.split('.');
    if (format !== FORMAT || body === undefined) throw new Error('sealed value has an unknown format');
    if (keyId !== this.keyId) throw new Error('sealed value was sealed with another key (check SECRETS_KEY)');
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const text = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
    return JSON.parse(text.toString('utf8')) as T;
  }
}

function parseKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) throw new Error('SECRETS_KEY must be 32 bytes, as 64 hex digits or base64');
  return key;
}

function keyFromFile(file: string): Buffer {
  try {
    return parseKey(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const key = crypto.randomBytes(32);
  try {
    // `wx`: two servers starting at once must not overwrite each other's key.
    fs.writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return parseKey(fs.readFileSync(file, 'utf8'));
    throw err;
  }
}
