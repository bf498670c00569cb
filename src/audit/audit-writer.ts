import type { Db } from '../db/create-db.js';
import type { Logger } from '../logging/logger.js';
import {
  genesisHead,
  newChainId,
  sealRows,
  type ChainContent,
  type ChainHead,
  type ChainLinks,
} from './audit-chain.js';

/** One audit_events row as inserted (details already redacted and serialised), before its chain fields. */
export type AuditRow = Omit<ChainContent, 'chain_id' | 'seq' | 'at' | 'details'> & { at: Date; details: string };

export interface AuditWriter {
  /** This writer's hash chain (one per writer, so one per process start). */
  readonly chainId: string;
  push(row: AuditRow): Promise<void>;
  flush(): Promise<void>;
  /** Rows queued or being written. */
  depth(): number;
  /**
   * Flushes for at most `timeoutMs` (shutdown); rows not known to be written by then (the database
   * does not answer) go to the log instead, so they are not lost with the process.
   */
  close(timeoutMs: number): Promise<void>;
}

/** Rows per INSERT: big enough to amortise the round trip, small enough to stay one packet-ish. */
const BATCH_MAX = 500;
/** Retries of a failed batch before its rows go to the log instead (a brief outage costs nothing). */
const RETRY_DELAYS_MS = [50, 250, 1000];
const UNIQUE_VIOLATION = '23505';

/**
 * The audit trail's write path, off the request path: rows are queued and written with one
 * multi-row INSERT every `flushIntervalMs` (or as soon as a batch is full). The queue is bounded:
 * past `bufferMax`, push() waits for the writer, so memory stays bounded and nothing is dropped.
 * A batch the database refuses after the retries is written to the log, row by row.
 *
 * Every row is linked onto this writer's hash chain (audit-chain.ts) when its batch is taken, so a
 * retried batch keeps its seq and hashes. A batch that ends in the log gives its place back: the
 * chain goes on from the last row known written, so the table has no gap (the log holds those
 * rows, outside the chain).
 */
export function createAuditWriter(deps: {
  db: Db;
  logger: Logger;
  flushIntervalMs: number;
  bufferMax: number;
}): AuditWriter {
  const { db, logger, flushIntervalMs, bufferMax } = deps;
  const chainId = newChainId();
  let head = genesisHead(chainId);
  let queue: AuditRow[] = [];
  let timer: NodeJS.Timeout | null = null;
  let draining: Promise<void> | null = null;
  let inFlight: AuditRow[] = [];
  const waiting: (() => void)[] = [];

  function wakeWaiting() {
    while (waiting.length && queue.length < bufferMax) waiting.shift()!();
  }

  async function writeBatch(batch: AuditRow[]): Promise<void> {
    let sealed = sealRows(chainId, head, batch);
    for (let attempt = 0; ; attempt++) {
      try {
        try {
          await db('audit_events').insert(sealed);
        } catch (err) {
          if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
          // An earlier attempt was committed unheard, or another writer took our seqs: re-read the head.
          if (await alreadyWritten(sealed)) return advance(sealed);
          head = await readHead();
          sealed = sealRows(chainId, head, batch);
          throw err;
        }
        return advance(sealed);
      } catch (err) {
        if (attempt >= RETRY_DELAYS_MS.length) {
          // The trail must not silently lose events: the log keeps what the table could not.
          for (const row of batch) logger.error('audit write failed', { event: row, err: (err as Error).message });
          return;
        }
        await new Promise((r) => setTimeout(r, RETRY_DELAYS_MS[attempt]));
      }
    }
  }

  function advance(sealed: ChainLinks[]) {
    const last = sealed[sealed.length - 1];
    if (last) head = { seq: last.seq, hash: last.hash };
  }

  async function alreadyWritten(sealed: ChainLinks[]): Promise<boolean> {
    const stored = await db('audit_events')
      .where({ chain_id: chainId })
      .whereBetween('seq', [sealed[0]!.seq, sealed[sealed.length - 1]!.seq])
      .select('seq', 'hash');
    const byseq = new Map(stored.map((r: { seq: string; hash: string }) => [Number(r.seq), r.hash]));
    return sealed.every((r) => byseq.get(r.seq) === r.hash);
  }

  async function readHead(): Promise<ChainHead> {
    const last = await db('audit_events').where({ chain_id: chainId }).orderBy('seq', 'desc').first('seq', 'hash');
    return last ? { seq: Number(last.seq), hash: last.hash as string } : genesisHead(chainId);
  }

  function drain(): Promise<void> {
    draining ??= (async () => {
      try {
        while (queue.length) {
          const batch = queue.length <= BATCH_MAX ? queue : queue.slice(0, BATCH_MAX);
          queue = queue.length <= BATCH_MAX ? [] : queue.slice(BATCH_MAX);
          wakeWaiting();
          inFlight = batch;
          await writeBatch(batch);
          inFlight = [];
        }
      } finally {
        draining = null;
      }
    })();
    return draining;
  }

  function schedule() {
    if (draining) return; // the running drain picks the new row up
    if (queue.length >= BATCH_MAX) {
      if (timer) clearTimeout(timer);
      timer = null;
      void drain();
    } else if (!timer) {
      timer = setTimeout(() => {
        timer = null;
        void drain();
      }, flushIntervalMs);
      timer.unref();
    }
  }

  return {
    chainId,
    async push(row) {
      while (queue.length >= bufferMax) {
        schedule();
        await new Promise<void>((r) => waiting.push(r));
      }
      queue.push(row);
      schedule();
    },
    async flush() {
      if (timer) clearTimeout(timer);
      timer = null;
      while (queue.length || draining) await drain();
    },
    depth: () => queue.length + inFlight.length,
    async close(timeoutMs) {
      let expired!: NodeJS.Timeout;
      const written = await Promise.race([
        this.flush().then(() => true),
        new Promise<false>((r) => (expired = setTimeout(() => r(false), timeoutMs))),
      ]);
      clearTimeout(expired);
      if (written) return;
      const left = [...inFlight, ...queue];
      queue = [];
      for (const row of left) logger.error('audit write unfinished at shutdown', { event: row });
    },
  };
}
