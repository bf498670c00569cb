export type GraphqlOperationType = 'query' | 'mutation' | 'subscription';

export type OperationResult = { ok: true; type: GraphqlOperationType } | { ok: false; message: string };

interface Definition {
  type: GraphqlOperationType | 'fragment';
  name: string | null;
}

/**
 * Top-level definitions of a GraphQL document, enough to know whether the operation that will
 * run is a query or a mutation. Strings, block strings and comments are skipped so a keyword
 * inside them cannot fool the check; braces are counted to stay at the top level.
 */
export function topLevelDefinitions(doc: string): Definition[] | null {
  const defs: Definition[] = [];
  let depth = 0;
  let i = 0;
  const n = doc.length;
  while (i < n) {
    const c = doc[i]!;
    if (c === '#') {
      while (i < n && doc[i] !== '\n') i++;
    } else if (doc.startsWith('"""', i)) {
      const end = doc.indexOf('"""', i + 3);
      if (end < 0) return null;
      i = end + 3;
      continue;
    } else if (c === '"') {
      i++;
      while (i < n && doc[i] !== '"') i += doc[i] === '\\' ? 2 : 1;
      if (i >= n) return null;
    } else if (c === '{' || c === '(' || c === '[') {
      if (depth === 0 && c === '{') defs.push({ type: 'query', name: null }); // shorthand query
      depth++;
    } else if (c === '}' || c === ')' || c === ']') {
      depth--;
      if (depth < 0) return null;
    } else if (depth === 0 && /[A-Za-z_]/.test(c)) {
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(doc.slice(i))![0];
      i += word.length;
      if (word === 'query' || word === 'mutation' || word === 'subscription' || word === 'fragment') {
        const name = /^\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(doc.slice(i));
        defs.push({ type: word, name: name ? name[1]! : null });
        // The next top-level `{` opens this definition's selection set, not a shorthand query.
        i = skipToBody(doc, i);
        if (i < 0) return null;
        depth++;
        i++;
        continue;
      }
      continue;
    }
    i++;
  }
  return depth === 0 ? defs : null;
}

/** Index of the `{` opening a named definition's selection set, skipping its (…) and strings. */
function skipToBody(doc: string, from: number): number {
  let parens = 0;
  for (let i = from; i < doc.length; i++) {
    const c = doc[i]!;
    if (c === '"') {
      i++;
      while (i < doc.length && doc[i] !== '"') i += doc[i] === '\\' ? 2 : 1;
    } else if (c === '#') {
      while (i < doc.length && doc[i] !== '\n') i++;
    } else if (c === '(') parens++;
    else if (c === ')') parens--;
    else if (c === '{' && parens === 0) return i;
  }
  return -1;
}

/** The type of the operation a request will execute, per the GraphQL-over-HTTP rules. */
export function operationType(query: unknown, operationName: unknown): OperationResult {
  if (typeof query !== 'string' || !query.trim()) return { ok: false, message: 'GraphQL request has no query' };
  const defs = topLevelDefinitions(query);
  if (!defs) return { ok: false, message: 'GraphQL query could not be parsed' };
  const ops = defs.filter((d) => d.type !== 'fragment');
  if (ops.length === 0) return { ok: false, message: 'GraphQL document has no operation' };
  let op = ops[0]!;
  if (ops.length > 1 || (typeof operationName === 'string' && operationName)) {
    if (typeof operationName !== 'string' || !operationName) return { ok: false, message: 'operationName is required when the document has several operations' };
    const found = ops.find((d) => d.name === operationName);
    if (!found) return { ok: false, message: `operation "${operationName}" not found in the document` };
    op = found;
  }
  return { ok: true, type: op.type as GraphqlOperationType };
}
