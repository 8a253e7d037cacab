import { badRequest } from '../../platform/errors.ts';

/**
 * The search query language: a small, safe subset of the Lucene syntax the real asset search
 * takes (`asset.name:foo`).
 *
 *   query   := or
 *   or      := and (("OR" | "||" | <nothing>) and)*     juxtaposition is OR, as in Lucene
 *   and     := unary (("AND" | "&&") unary)*
 *   unary   := ("NOT" | "-") unary | "(" query ")" | term
 *   term    := "*:*" | field ":" value
 *   value   := bare word | "quoted phrase"            `*` any characters, `?` one character
 *
 * Fields: asset.name and asset.description match a whole value or whole space-separated words of
 * it, case-insensitively; asset.tags matches one whole tag, case-insensitively; asset.asset_type,
 * asset.asset_id, asset.owner_id, asset.creator_id and asset.asset_state match the whole value
 * (ASCII case-insensitively). Queries are limited in size and depth.
 */
export type TextField = 'name' | 'description';
export type KeywordField = 'asset_type' | 'asset_id' | 'owner_id' | 'creator_id' | 'asset_state';
export type SearchField = TextField | 'tags' | KeywordField;

export type QueryNode =
  | { kind: 'all' }
  | { kind: 'term'; field: SearchField; value: string }
  | { kind: 'and' | 'or'; nodes: QueryNode[] }
  | { kind: 'not'; node: QueryNode };

const FIELDS: Record<string, SearchField> = {
  'asset.name': 'name',
  'asset.description': 'description',
  'asset.tags': 'tags',
  'asset.asset_type': 'asset_type',
  'asset.asset_id': 'asset_id',
  'asset.owner_id': 'owner_id',
  'asset.creator_id': 'creator_id',
  'asset.asset_state': 'asset_state',
};
export const SEARCH_FIELDS = Object.keys(FIELDS);

export const MAX_TERMS = 64;
export const MAX_DEPTH = 16;

type Token = { t: 'lp' | 'rp' | 'and' | 'or' | 'not' | 'all' } | { t: 'term'; field: string; value: string };

const invalid = (why: string) => badRequest(`Invalid search query: ${why}.`, { parameters: ['query'] });

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const isSpace = (c: string) => /\s/.test(c);
  while (i < text.length) {
    const c = text[i];
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      out.push({ t: c === '(' ? 'lp' : 'rp' });
      i++;
      continue;
    }
    if (text.startsWith('&&', i) || text.startsWith('||', i)) {
      out.push({ t: c === '&' ? 'and' : 'or' });
      i += 2;
      continue;
    }
    if (c === '-' && i + 1 < text.length && !isSpace(text[i + 1])) {
      out.push({ t: 'not' });
      i++;
      continue;
    }
    // a word: up to whitespace or a parenthesis; a field's value may be a quoted phrase
    let j = i;
    while (j < text.length && !isSpace(text[j]) && text[j] !== '(' && text[j] !== ')' && text[j] !== ':') j++;
    const word = text.slice(i, j);
    if (text[j] !== ':') {
      if (word === 'AND' || word === 'OR' || word === 'NOT') out.push({ t: word.toLowerCase() as 'and' });
      else throw invalid(`'${word.slice(0, 40)}' is not a field:value term`);
      i = j;
      continue;
    }
    j++; // past ':'
    let value: string;
    if (text[j] === '"') {
      const end = text.indexOf('"', j + 1);
      if (end < 0) throw invalid('a quoted value is not closed');
      value = text.slice(j + 1, end);
      j = end + 1;
    } else {
      let k = j;
      while (k < text.length && !isSpace(text[k]) && text[k] !== '(' && text[k] !== ')') k++;
      value = text.slice(j, k);
      j = k;
    }
    if (word === '*' && value === '*') out.push({ t: 'all' });
    else {
      if (!FIELDS[word])
        throw invalid(`unknown field '${word.slice(0, 40)}' (fields: ${SEARCH_FIELDS.join(', ')})`);
      if (value === '') throw invalid(`the field '${word}' has no value`);
      out.push({ t: 'term', field: word, value });
    }
    i = j;
  }
  return out;
}

/** Parses a query; a 400 naming `query` when it is not in the language. */
export function parseQuery(text: string): QueryNode {
  const tokens = tokenize(text);
  if (!tokens.length) throw invalid('it is empty');
  if (tokens.filter((t) => t.t === 'term' || t.t === 'all').length > MAX_TERMS)
    throw invalid(`more than ${MAX_TERMS} terms`);
  let pos = 0;
  const peek = () => tokens[pos]?.t;

  const parseOr = (depth: number): QueryNode => {
    if (depth > MAX_DEPTH) throw invalid(`nested deeper than ${MAX_DEPTH}`);
    const nodes = [parseAnd(depth)];
    for (;;) {
      if (peek() === 'or') {
        pos++;
        nodes.push(parseAnd(depth));
      } else if (peek() !== undefined && peek() !== 'rp' && peek() !== 'and') {
        nodes.push(parseAnd(depth)); // juxtaposition: OR
      } else break;
    }
    return nodes.length === 1 ? nodes[0] : { kind: 'or', nodes };
  };
  const parseAnd = (depth: number): QueryNode => {
    const nodes = [parseUnary(depth)];
    while (peek() === 'and') {
      pos++;
      nodes.push(parseUnary(depth));
    }
    return nodes.length === 1 ? nodes[0] : { kind: 'and', nodes };
  };
  const parseUnary = (depth: number): QueryNode => {
    const tok = tokens[pos];
    if (!tok) throw invalid('it ends where a term was expected');
    pos++;
    switch (tok.t) {
      case 'not':
        if (depth + 1 > MAX_DEPTH) throw invalid(`nested deeper than ${MAX_DEPTH}`);
        return { kind: 'not', node: parseUnary(depth + 1) };
      case 'lp': {
        const inner = parseOr(depth + 1);
        if (tokens[pos]?.t !== 'rp') throw invalid('a parenthesis is not closed');
        pos++;
        return inner;
      }
      case 'all':
        return { kind: 'all' };
      case 'term':
        return { kind: 'term', field: FIELDS[tok.field], value: tok.value };
      default:
        throw invalid(`'${tok.t.toUpperCase()}' where a term was expected`);
    }
  };

  const node = parseOr(0);
  if (pos < tokens.length) throw invalid('unbalanced parentheses');
  return node;
}

/** A LIKE pattern (escape character `\`) for a query value: `*` any run, `?` one character. */
export function likePattern(value: string): string {
  let out = '';
  for (const ch of value) {
    if (ch === '*') out += '%';
    else if (ch === '?') out += '_';
    else if (ch === '%' || ch === '_' || ch === '\\') out += '\\' + ch;
    else out += ch;
  }
  return out;
}
