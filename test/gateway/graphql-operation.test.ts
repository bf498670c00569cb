import { getIntrospectionQuery } from 'graphql';
import { describe, expect, it } from 'vitest';
import { operationType } from '../../src/gateway/graphql-operation.js';

const limits = { maxDepth: 15, maxTokens: 5000 };
const typeOf = (doc: string, name?: string | null) => operationType(doc, name, limits);

describe('GraphQL operation type (graphql-js parse)', () => {
  it.each([
    ['{ products { items { sku } } }', 'query'],
    ['query { cart(cart_id: "x") { id } }', 'query'],
    ['query Products($s: String = "mutation {") { products(search: $s) { total_count } }', 'query'],
    ['mutation { createEmptyCart }', 'mutation'],
    ['  # mutation in a comment\n query Q { a }', 'query'],
    ['"""mutation { x }""" query Q { a }', 'query'],
    ['subscription S { a }', 'subscription'],
    ['fragment F on Product { sku } mutation M { a { ...F } }', 'mutation'],
    // A comment ends at \r, \n or \r\n (GraphQL line terminators): what follows is a definition.
    ['# just reading\rmutation { createEmptyCart }', 'mutation'],
    ['# just reading\r\nmutation { createEmptyCart }', 'mutation'],
    ['{ a } # x', 'query'],
    // A byte-order mark is ignored like whitespace.
    ['\uFEFFmutation { createEmptyCart }', 'mutation'],
    [',,\t mutation\r{ createEmptyCart }', 'mutation'],
    ['query Q { ...on Query { a } }', 'query'],
  ])('%j → %s', (doc, type) => {
    expect(typeOf(doc)).toMatchObject({ ok: true, type });
  });

  it('U+2028/U+2029 are not line terminators: a comment runs on and hides nothing', () => {
    // The whole text is one comment, so there is no operation: refused, never read as a query.
    expect(typeOf('{ a } # c\u2028mutation { createEmptyCart }')).toMatchObject({
      ok: true,
      type: 'query',
      allTypes: ['query'],
    });
    expect(typeOf('# c\u2029mutation { createEmptyCart }')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/could not be parsed/),
    });
  });

  it('picks the named operation when the document has several, like execution does', () => {
    const doc = 'query A { a } mutation B { b }';
    expect(typeOf(doc, 'B')).toEqual({ ok: true, type: 'mutation', allTypes: ['query', 'mutation'] });
    expect(typeOf(doc, 'A')).toEqual({ ok: true, type: 'query', allTypes: ['query', 'mutation'] });
    expect(typeOf(doc)).toMatchObject({ ok: false, message: expect.stringMatching(/operationName is required/) });
    expect(typeOf(doc, 'C')).toMatchObject({ ok: false, message: 'operation "C" not found in the document' });
    // A single operation with a name that is not its own is refused too (Magento would run it anyway).
    expect(typeOf('mutation M { b }', 'Q')).toMatchObject({
      ok: false,
      message: 'operation "Q" not found in the document',
    });
    expect(operationType('{ a }', 42, limits)).toMatchObject({ ok: false, message: 'operationName must be a string' });
  });

  it('refuses what it cannot parse or execute', () => {
    expect(typeOf('query { a ')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/could not be parsed: Syntax Error/),
    });
    expect(typeOf('query { "unterminated }')).toMatchObject({ ok: false });
    expect(typeOf('')).toMatchObject({ ok: false, message: 'GraphQL request has no query' });
    expect(typeOf(42 as unknown as string)).toMatchObject({ ok: false });
    expect(typeOf('fragment F on P { a }')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/no operation/),
    });
    expect(typeOf('type Mutation { x: Int } { a }')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/only hold operations and fragments/),
    });
    expect(typeOf('fragment F on P { a } fragment F on P { b } { ...F }')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/defined more than once/),
    });
    expect(typeOf('{ ...Missing }')).toMatchObject({
      ok: false,
      message: 'fragment "Missing" is not defined in the document',
    });
  });
});

describe('GraphQL document limits', () => {
  const nested = (levels: number) => '{' + ' a {'.repeat(levels - 1) + ' b' + ' }'.repeat(levels - 1) + ' }';

  it('fields nested up to the limit pass; one more is a clear refusal', () => {
    expect(typeOf(nested(15))).toMatchObject({ ok: true });
    expect(typeOf(nested(16))).toEqual({
      ok: false,
      message: 'GraphQL document is nested more than 15 levels deep (GATEWAY_GRAPHQL_MAX_DEPTH)',
    });
    expect(operationType(nested(4), null, { maxDepth: 3, maxTokens: 5000 })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/more than 3 levels/),
    });
  });

  it('depth is counted through fragments and inline fragments', () => {
    // x (1) + F1 (4) + F2 (5) + F3 through an inline fragment (6) = 16 levels.
    const doc =
      'query { x { ...F1 } } fragment F1 on T { a { b { c { d { ...F2 } } } } } ' +
      'fragment F2 on T { a { b { c { d { e { ...F3 } } } } } } fragment F3 on T { ... on T { a { b { c ' +
      '{ d { e { f } } } } } } }';
    expect(typeOf(doc)).toMatchObject({ ok: false, message: expect.stringMatching(/nested more than 15/) });
    expect(typeOf(doc.replace('e { f }', 'e'))).toMatchObject({ ok: true }); // 15 levels
  });

  it('a fragment that is not used by the operation is measured too', () => {
    expect(typeOf(`{ a } fragment Deep on T ${nested(16)}`)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/nested more than 15/),
    });
  });

  it('fragment cycles are refused without hanging', () => {
    expect(typeOf('{ ...A } fragment A on Q { ...B } fragment B on Q { a { ...A } }')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/fragment cycle/),
    });
    expect(typeOf('{ ...A } fragment A on Q { ...A }')).toMatchObject({
      ok: false,
      message: 'fragment "A" spreads itself (fragment cycle)',
    });
  });

  it('fan-out through fragments is measured once per fragment (no exponential walk)', () => {
    // F0 spreads F1 twice, F1 spreads F2 twice… 2^12 paths if walked naively.
    const frags = Array.from(
      { length: 12 },
      (_, i) => `fragment F${i} on T { a { ...F${i + 1} } b { ...F${i + 1} } }`,
    ).join(' ');
    const doc = `{ ...F0 } ${frags} fragment F12 on T { z }`;
    const started = performance.now();
    expect(typeOf(doc)).toMatchObject({ ok: true });
    expect(performance.now() - started).toBeLessThan(200);
    expect(operationType(doc, null, { maxDepth: 12, maxTokens: 5000 })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/more than 12 levels/),
    });
  });

  it('argument values nested past the limit are refused', () => {
    const list = (n: number) => '['.repeat(n) + '1' + ']'.repeat(n);
    expect(typeOf(`{ a(x: ${list(15)}) }`)).toMatchObject({ ok: true });
    expect(typeOf(`{ a(x: ${list(16)}) }`)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/nested more than 15/),
    });
    expect(typeOf(`query ($v: [Int] = ${list(20)}) { a }`)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/nested more than 15/),
    });
  });

  it('documents nested too deep for the parser itself get the same clear refusal, not a crash', () => {
    const doc = '{a'.repeat(2400) + '}'.repeat(2400);
    expect(typeOf(doc)).toEqual({
      ok: false,
      message: 'GraphQL document is nested more than 15 levels deep (GATEWAY_GRAPHQL_MAX_DEPTH)',
    });
  });

  it('documents with too many tokens or comments are refused naming the limit', () => {
    const wide = '{ ' + Array.from({ length: 6000 }, (_, i) => `f${i}`).join(' ') + ' }';
    expect(typeOf(wide)).toEqual({
      ok: false,
      message: 'GraphQL document has more than 5000 tokens or comments (GATEWAY_GRAPHQL_MAX_TOKENS)',
    });
    expect(operationType(wide, null, { maxDepth: 15, maxTokens: 7000 })).toMatchObject({ ok: true });
    expect(typeOf('#\n'.repeat(6000) + '{ a }')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/GATEWAY_GRAPHQL_MAX_TOKENS/),
    });
  });

  it('the standard introspection query fits the default limits', () => {
    expect(typeOf(getIntrospectionQuery())).toMatchObject({ ok: true, type: 'query' });
  });
});
