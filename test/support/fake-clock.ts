/** The tests' clock: starts at real time (or `start`) and moves only when told. */
export function createFakeClock(start = Date.now()) {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
    set(ms: number) {
      t = ms;
    },
  };
}
