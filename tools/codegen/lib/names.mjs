// Naming rules of IBM's generated Node SDKs: wire names to camelCase parameters, PascalCase enum
// names and UPPER_SNAKE constant keys.

const words = (name) =>
  String(name)
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);

/** `bss_account_id` → `bssAccountId`, `If-Match` → `ifMatch`, `metadata.creator` → `metadataCreator`. */
export function camelCase(name) {
  return words(name)
    .map((w, i) => (i === 0 ? w[0].toLowerCase() + w.slice(1) : w[0].toUpperCase() + w.slice(1)))
    .join('');
}

/** `run_service_account` → `RunServiceAccount`, `listSecrets` → `ListSecrets`. */
export function pascalCase(name) {
  const c = camelCase(name);
  return c ? c[0].toUpperCase() + c.slice(1) : c;
}

/** An enum value as a constant key: `cidr_block` → `CIDR_BLOCK`, `au-syd` → `AU_SYD`. */
export function constantKey(value) {
  let key = String(value)
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
  if (!key) key = 'EMPTY';
  if (/^[0-9]/.test(key)) key = '_' + key;
  return key;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A property name as written in a type or object literal. */
export function propertyKey(name) {
  return IDENTIFIER.test(name) ? name : `'${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Text safe inside a block comment, one string per line. */
export function commentLines(text) {
  if (!text) return [];
  return String(text)
    .replace(/\*\//g, '*\\/')
    .split('\n')
    .map((l) => l.trimEnd());
}

/** A JSDoc block at `indent`, or nothing for empty text. */
export function docComment(parts, indent = '') {
  const lines = [];
  for (const part of parts.filter((p) => p !== undefined && p !== null && p !== '')) {
    if (lines.length) lines.push('');
    lines.push(...commentLines(part));
  }
  if (!lines.length) return '';
  return (
    [`${indent}/**`, ...lines.map((l) => (l ? `${indent} * ${l}` : `${indent} *`)), `${indent} */`].join(
      '\n',
    ) + '\n'
  );
}
