import {
  GraphQLError,
  Kind,
  parse,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

export type GraphqlOperationType = 'query' | 'mutation' | 'subscription';

export interface GraphqlDocumentLimits {
  /** Deepest nesting of fields (fragments followed) and of argument values (GATEWAY_GRAPHQL_MAX_DEPTH). */
  maxDepth: number;
  /** Lexical tokens, and separately comments, per document (GATEWAY_GRAPHQL_MAX_TOKENS). */
  maxTokens: number;
}

export const DEFAULT_GRAPHQL_LIMITS: GraphqlDocumentLimits = { maxDepth: 15, maxTokens: 5000 };

export type OperationResult =
  | {
      ok: true;
      /** The operation that executes. */
      type: GraphqlOperationType;
      /** Every operation the document defines, for rules that look at all of them (GET). */
      allTypes: GraphqlOperationType[];
    }
  | { ok: false; message: string };

class LimitError extends Error {}

/**
 * The operation a GraphQL request executes, found the way execution finds it: the document is
 * parsed with graphql-js (the grammar graphql-php implements for Magento, so comments, line
 * terminators and BOMs are read the same way), `operationName` selects an operation, and without
 * it the document must hold exactly one. Size and nesting are bounded before anything is forwarded.
 */
export function operationType(
  query: unknown,
  operationName: unknown,
  limits: GraphqlDocumentLimits = DEFAULT_GRAPHQL_LIMITS,
): OperationResult {
  if (typeof query !== 'string' || !query.trim()) return { ok: false, message: 'GraphQL request has no query' };
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') {
    return { ok: false, message: 'operationName must be a string' };
  }
  let doc: DocumentNode;
  try {
    doc = parse(query, { noLocation: true, maxLexicalTokens: limits.maxTokens, maxComments: limits.maxTokens });
  } catch (err) {
    if (err instanceof RangeError) return { ok: false, message: tooDeep(limits) }; // the parser recursed past the stack
    if (!(err instanceof GraphQLError)) throw err;
    if (/more than \d+ (tokens|comments)/.test(err.message)) {
      return {
        ok: false,
        message: `GraphQL document has more than ${limits.maxTokens} tokens or comments (GATEWAY_GRAPHQL_MAX_TOKENS)`,
      };
    }
    return { ok: false, message: `GraphQL query could not be parsed: ${err.message}` };
  }

  const operations: OperationDefinitionNode[] = [];
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of doc.definitions) {
    if (def.kind === Kind.OPERATION_DEFINITION) operations.push(def);
    else if (def.kind === Kind.FRAGMENT_DEFINITION) {
      if (fragments.has(def.name.value))
        return { ok: false, message: `fragment "${def.name.value}" is defined more than once` };
      fragments.set(def.name.value, def);
    } else
      return {
        ok: false,
        message: `GraphQL request documents may only hold operations and fragments (found ${def.kind})`,
      };
  }
  if (operations.length === 0) return { ok: false, message: 'GraphQL document has no operation' };

  let selected: OperationDefinitionNode | undefined;
  if (operationName) {
    selected = operations.find((op) => op.name?.value === operationName);
    if (!selected) return { ok: false, message: `operation "${operationName}" not found in the document` };
  } else {
    if (operations.length > 1)
      return { ok: false, message: 'operationName is required when the document has several operations' };
    selected = operations[0]!;
  }

  try {
    const depth = fragmentAwareDepth(fragments, limits);
    // Every definition is measured, not only the selected operation: the limit is about what is sent.
    for (const op of operations)
      if (depth.ofSet(op.selectionSet) > limits.maxDepth) throw new LimitError(tooDeep(limits));
    for (const name of fragments.keys()) depth.ofFragment(name);
    for (const def of [...operations, ...fragments.values()]) checkValueDepth(def, limits);
  } catch (err) {
    if (err instanceof LimitError) return { ok: false, message: err.message };
    if (err instanceof RangeError) return { ok: false, message: tooDeep(limits) };
    throw err;
  }
  return {
    ok: true,
    type: selected.operation as GraphqlOperationType,
    allTypes: operations.map((op) => op.operation as GraphqlOperationType),
  };
}

const tooDeep = (limits: GraphqlDocumentLimits) =>
  `GraphQL document is nested more than ${limits.maxDepth} levels deep (GATEWAY_GRAPHQL_MAX_DEPTH)`;

/**
 * Field nesting of a selection set with fragment spreads expanded. Each fragment is measured once
 * (memoised), so fan-out cannot make it exponential; a fragment that spreads itself is refused.
 */
function fragmentAwareDepth(fragments: Map<string, FragmentDefinitionNode>, limits: GraphqlDocumentLimits) {
  const memo = new Map<string, number>();
  const visiting = new Set<string>();
  const fragmentDepth = (name: string): number => {
    const known = memo.get(name);
    if (known !== undefined) return known;
    const frag = fragments.get(name);
    if (!frag) throw new LimitError(`fragment "${name}" is not defined in the document`);
    if (visiting.has(name)) throw new LimitError(`fragment "${name}" spreads itself (fragment cycle)`);
    visiting.add(name);
    const depth = setDepth(frag.selectionSet);
    visiting.delete(name);
    memo.set(name, depth);
    return depth;
  };
  const setDepth = (set: SelectionSetNode): number => {
    let deepest = 0;
    for (const sel of set.selections) {
      const d =
        sel.kind === Kind.FIELD
          ? 1 + (sel.selectionSet ? setDepth(sel.selectionSet) : 0)
          : sel.kind === Kind.INLINE_FRAGMENT
            ? setDepth(sel.selectionSet)
            : fragmentDepth(sel.name.value);
      // Stop early: nothing deeper than the limit needs an exact number.
      if (d > limits.maxDepth) throw new LimitError(tooDeep(limits));
      deepest = Math.max(deepest, d);
    }
    return deepest;
  };
  return { ofSet: setDepth, ofFragment: fragmentDepth };
}

/** List/object literals in arguments, defaults and directives nest no deeper than the field limit. */
function checkValueDepth(def: OperationDefinitionNode | FragmentDefinitionNode, limits: GraphqlDocumentLimits): void {
  const value = (v: ValueNode, depth: number): void => {
    if (v.kind !== Kind.LIST && v.kind !== Kind.OBJECT) return;
    if (depth > limits.maxDepth) throw new LimitError(tooDeep(limits));
    if (v.kind === Kind.LIST) v.values.forEach((item) => value(item, depth + 1));
    else v.fields.forEach((f) => value(f.value, depth + 1));
  };
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(walk);
    const n = node as { kind?: string };
    if (n.kind === Kind.LIST || n.kind === Kind.OBJECT) return value(n as ValueNode, 1);
    for (const child of Object.values(n)) if (child && typeof child === 'object') walk(child);
  };
  walk(def);
}
