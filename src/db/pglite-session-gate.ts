/**
 * PGlite is one PostgreSQL session. Its holder owns the session state that spans several calls (an
 * open transaction, an unnamed prepared statement between Parse and Sync), so the server's knex and
 * each CLI connection on the socket take turns here, first come first served.
 */
export class SessionGate {
  private owner: symbol | null = null;
  private waiters: { who: symbol; resolve: () => void; reject: (err: Error) => void }[] = [];

  /** Resolves once `who` holds the session; immediately when it already does. */
  acquire(who: symbol): Promise<void> {
    if (this.owner === who) return Promise.resolve();
    if (this.owner === null) {
      this.owner = who;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.waiters.push({ who, resolve, reject }));
  }

  release(who: symbol): void {
    if (this.owner !== who) return;
    const next = this.waiters.shift();
    this.owner = next?.who ?? null;
    next?.resolve();
  }

  /** Drops `who` from the queue (its connection went away) and frees the session if it held it. */
  cancel(who: symbol, why: Error): void {
    this.waiters = this.waiters.filter((w) => (w.who === who ? (w.reject(why), false) : true));
    this.release(who);
  }

  holds(who: symbol): boolean {
    return this.owner === who;
  }

  get queued(): number {
    return this.waiters.length;
  }
}
