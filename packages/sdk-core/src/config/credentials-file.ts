export const CREDENTIALS_FILENAME = 'ibm-credentials.env';

/** `KEY=value` lines; `#` comments, blank lines and an `export ` prefix allowed; values may be quoted. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([\w.-]+)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    let value = match[2];
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\n/g, '\n');
    } else {
      value = value.replace(/\s+#.*$/, '').trim();
    }
    out[match[1]] = value;
  }
  return out;
}

/**
 * The credentials file IBM's SDKs read: `IBM_CREDENTIALS_FILE` (a file, or a directory holding
 * `ibm-credentials.env`), else `ibm-credentials.env` in the working directory, else in the home
 * directory. Empty when there is none (or no file system).
 */
export function readCredentialsFile(): Record<string, string> {
  const getBuiltin = globalThis.process?.getBuiltinModule;
  if (!getBuiltin) return {};
  const fs = getBuiltin('node:fs');
  const os = getBuiltin('node:os');
  const path = getBuiltin('node:path');
  const isFile = (p: string) => {
    try {
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  };
  const given = process.env.IBM_CREDENTIALS_FILE;
  const candidates = given
    ? [given, path.join(given, CREDENTIALS_FILENAME)]
    : [path.join(process.cwd(), CREDENTIALS_FILENAME), path.join(os.homedir(), CREDENTIALS_FILENAME)];
  const file = candidates.find(isFile);
  return file ? parseEnvFile(fs.readFileSync(file, 'utf8')) : {};
}
