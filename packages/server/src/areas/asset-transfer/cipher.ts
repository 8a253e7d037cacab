import crypto from 'node:crypto';
import type { TransferCipher } from '../assets/transfer-hooks.ts';

/** How an export's key is stretched; written to the manifest so an import derives the same key. */
export interface KeyDerivation {
  kdf: 'scrypt';
  /** base64url, 16 random bytes per export. */
  salt: string;
  N: number;
  r: number;
  p: number;
  /** A known text sealed with the key: an import with the wrong key is refused before it starts. */
  check: string;
}

const FORMAT = 'x1';
const CHECK_TEXT = 'cc-asset-export';
const PARAMS = { N: 2 ** 14, r: 8, p: 1 };

/**
 * Seals values with AES-256-GCM under a key derived (scrypt) from the caller's `encryption_key`.
 * Sealed text: `x1.<iv>.<tag>.<ciphertext>` (base64url).
 */
export class KeyCipher implements TransferCipher {
  private constructor(private readonly key: Buffer) {}

  /** A cipher for a new export: a fresh salt, and the derivation to write into its manifest. */
  static create(passphrase: string): { cipher: KeyCipher; derivation: KeyDerivation } {
    const salt = crypto.randomBytes(16).toString('base64url');
    const cipher = KeyCipher.derive(passphrase, { kdf: 'scrypt', salt, ...PARAMS, check: '' });
    return { cipher, derivation: { kdf: 'scrypt', salt, ...PARAMS, check: cipher.seal(CHECK_TEXT) } };
  }

  /** The cipher of an export's derivation; throws when the derivation is not one we wrote. */
  static derive(passphrase: string, d: KeyDerivation): KeyCipher {
    const sane =
      d.kdf === 'scrypt' &&
      typeof d.salt === 'string' &&
      [d.N, d.r, d.p].every((n) => Number.isSafeInteger(n) && n > 0) &&
      d.N <= 2 ** 16 &&
      d.r <= 16 &&
      d.p <= 4;
    if (!sane) throw new Error('the key derivation of the archive is not supported');
    const key = crypto.scryptSync(passphrase, Buffer.from(d.salt, 'base64url'), 32, {
      N: d.N,
      r: d.r,
      p: d.p,
      maxmem: 256 * d.N * d.r + 1024 * 1024,
    });
    return new KeyCipher(key);
  }

  /** Whether this key is the one the derivation's check was sealed with. */
  matches(d: KeyDerivation): boolean {
    try {
      return this.open(d.check) === CHECK_TEXT;
    } catch {
      return false;
    }
  }

  seal(value: unknown): string {
    const iv = crypto.randomBytes(12);
    const c = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([c.update(JSON.stringify(value), 'utf8'), c.final()]);
    return [FORMAT, iv, c.getAuthTag(), body]
      .map((b) => (typeof b === 'string' ? b : b.toString('base64url')))
      .join('.');
  }

  open(sealed: string): unknown {
    const [format, iv, tag, body] = String(sealed).split('.');
    if (format !== FORMAT || body === undefined) throw new Error('not a value sealed by an export');
    const d = crypto.createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    d.setAuthTag(Buffer.from(tag, 'base64url'));
    const text = Buffer.concat([d.update(Buffer.from(body, 'base64url')), d.final()]);
    return JSON.parse(text.toString('utf8'));
  }
}
