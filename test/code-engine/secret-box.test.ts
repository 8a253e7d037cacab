import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../packages/server/src/platform/secret-box.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ce-box-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('SecretBox', () => {
  it('generates a 0600 key file once and reuses it', () => {
    const a = SecretBox.fromEnvironment(dir, {});
    const file = path.join(dir, 'secrets.key');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const sealed = a.seal({ password: 'p' });
    expect(sealed).not.toContain('"p"');
    expect(SecretBox.fromEnvironment(dir, {}).open(sealed)).toEqual({ password: 'p' });
  });

  it('takes SECRETS_KEY as hex or base64, refuses other lengths, and tells a wrong key apart', () => {
    const key = crypto.randomBytes(32);
    const hex = SecretBox.fromEnvironment(dir, { SECRETS_KEY: key.toString('hex') });
    const b64 = SecretBox.fromEnvironment(dir, { SECRETS_KEY: key.toString('base64') });
    expect(b64.open(hex.seal('v'))).toBe('v');
    expect(() => SecretBox.fromEnvironment(dir, { SECRETS_KEY: 'short' })).toThrow(/32 bytes/);
    const other = SecretBox.fromEnvironment(dir, { SECRETS_KEY: crypto.randomBytes(32).toString('hex') });
    expect(() => other.open(hex.seal('v'))).toThrow(/another key/);
  });

  it('refuses tampered data and seals the same value differently each time', () => {
    const box = SecretBox.fromEnvironment(dir, {});
    const sealed = box.seal('value');
    expect(box.seal('value')).not.toBe(sealed);
    const parts = sealed.split('.');
    const body = Buffer.from(parts[4], 'base64url');
    body[0] ^= 1;
    parts[4] = body.toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow();
  });
});
