import { describe, expect, it } from 'vitest';
import { operationType, topLevelDefinitions } from '../../src/gateway/graphql-operation.js';

describe('GraphQL operation type', () => {
  it.each([
    ['{ products { items { sku } } }', 'query'],
    ['query { cart(cart_id: "x") { id } }', 'query'],
    ['query Products($s: String = "mutation {") { products(search: $s) { total_count } }', 'query'],
    ['mutation { createEmptyCart }', 'mutation'],
    ['  # mutation in a comment\n query Q { a }', 'query'],
    ['"""mutation { x }""" query Q { a }', 'query'],
    ['subscription S { a }', 'subscription'],
    ['fragment F on Product { sku } mutation M { a { ...F } }', 'mutation'],
  ])('%s → %s', (doc, type) => {
    expect(operationType(doc, undefined)).toEqual({ ok: true, type });
  });

  it('picks the named operation when the document has several', () => {
    const doc = 'query A { a } mutation B { b }';
    expect(operationType(doc, 'B')).toEqual({ ok: true, type: 'mutation' });
    expect(operationType(doc, 'A')).toEqual({ ok: true, type: 'query' });
    expect(operationType(doc, undefined)).toMatchObject({ ok: false, message: expect.stringMatching(/operationName is required/) });
    expect(operationType(doc, 'C')).toMatchObject({ ok: false, message: expect.stringMatching(/not found/) });
  });

  it('refuses what it cannot parse', () => {
    expect(operationType('query { a ', undefined)).toMatchObject({ ok: false });
    expect(operationType('', undefined)).toMatchObject({ ok: false });
    expect(operationType(42, undefined)).toMatchObject({ ok: false });
    expect(operationType('fragment F on P { a }', undefined)).toMatchObject({ ok: false, message: expect.stringMatching(/no operation/) });
    expect(topLevelDefinitions('query { "unterminated }')).toBeNull();
  });
});
