// The in-process cache the hot paths use: evicted by changes, never storing a load that raced
// with a change, keeping nothing while notifications are expected but lost.
import { describe, expect, it } from 'vitest';
import type { Change, ChangeFeed } from '../../src/db/change-feed.js';
import { createInvalidatingCache } from '../../src/db/invalidating-cache.js';
import { createFakeClock } from '../support/fake-clock.js';

function fakeFeed(state: { live: boolean; expectsNotifications: boolean }) {
  const subs = new Set<(c: Change) => void>();
  const feed: ChangeFeed = {
    get live() {
      return state.live;
    },
    get expectsNotifications() {
      return state.expectsNotifications;
    },
    subscribe: (fn) => (subs.add(fn), () => void subs.delete(fn)),
    emitLocal: (c) => subs.forEach((fn) => fn(c)),
    start: async () => undefined,
    close: async () => undefined,
  };
  return feed;
}

function setup(state = { live: true, expectsNotifications: true }) {
  const clock = createFakeClock();
  const feed = fakeFeed(state);
  const cache = createInvalidatingCache<string>({
    name: 'test',
    feed,
    tag: 'client',
    clock,
    liveTtlMs: 60_000,
    fallbackTtlMs: 1000,
    max: 3,
  });
  let loads = 0;
  const load = (value: string) => async () => (loads++, value);
  return { clock, feed, cache, load, loads: () => loads };
}

describe('invalidating cache', () => {
  it('answers from memory until its key changes; other tags and keys leave it alone', async () => {
    const { feed, cache, load, loads } = setup();
    expect(await cache.get('c1', load('v1'))).toBe('v1');
    expect(await cache.get('c1', load('v2'))).toBe('v1');
    feed.emitLocal({ tag: 'link', key: 'c1' });
    feed.emitLocal({ tag: 'client', key: 'c2' });
    expect(await cache.get('c1', load('v2'))).toBe('v1');
    feed.emitLocal({ tag: 'client', key: 'c1' });
    expect(await cache.get('c1', load('v3'))).toBe('v3');
    feed.emitLocal({ tag: 'client', key: null }); // every row of the tag
    expect(await cache.get('c1', load('v4'))).toBe('v4');
    feed.emitLocal({ tag: 'reset' });
    expect(await cache.get('c1', load('v5'))).toBe('v5');
    expect(loads()).toBe(4);
  });

  it('a load that a change overtook is returned but not kept', async () => {
    const { feed, cache, load } = setup();
    let release!: () => void;
    const slow = cache.get('c1', () => new Promise<string>((r) => (release = () => r('old'))));
    feed.emitLocal({ tag: 'client', key: 'c1' }); // the row changed while it was being read
    release();
    expect(await slow).toBe('old');
    expect(await cache.get('c1', load('new'))).toBe('new');
  });

  it('concurrent misses share one load', async () => {
    const { cache, loads } = setup();
    const slowLoad = async () => (await new Promise((r) => setTimeout(r, 10)), 'v');
    const counted = () => (void loads, slowLoad());
    const [x, y] = await Promise.all([cache.get('c1', counted), cache.get('c1', async () => 'other')]);
    expect([x, y]).toEqual(['v', 'v']);
  });

  it('keeps nothing while notifications are expected but not flowing; briefly when there are none', async () => {
    const lost = setup({ live: false, expectsNotifications: true });
    await lost.cache.get('c1', lost.load('a'));
    await lost.cache.get('c1', lost.load('b'));
    expect(lost.loads()).toBe(2);

    const offline = setup({ live: false, expectsNotifications: false });
    expect(await offline.cache.get('c1', offline.load('a'))).toBe('a');
    expect(await offline.cache.get('c1', offline.load('b'))).toBe('a');
    offline.clock.advance(1001);
    expect(await offline.cache.get('c1', offline.load('c'))).toBe('c');
  });

  it('entries end at their own expiry and the size stays bounded', async () => {
    const { clock, cache, load, loads } = setup();
    await cache.get('t', load('x'), { expiresAt: () => clock.now() + 50 });
    clock.advance(51);
    await cache.get('t', load('y'));
    expect(loads()).toBe(2);
    for (const k of ['a', 'b', 'c', 'd']) await cache.get(k, load(k));
    expect(await cache.get('a', load('a2'))).toBe('a2'); // the oldest went when the 4th came
  });
});
