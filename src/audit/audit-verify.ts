import type { Db } from '../db/create-db.js';
import { genesisHead, rowHash, type ChainContent, type ChainHead } from './audit-chain.js';
import { readChainAnchor } from './audit-retention.js';

export type ChainProblem = 'content_edited' | 'row_missing' | 'prev_hash_mismatch';

/** The first broken link of one chain. */
export interface ChainBreak {
  chainId: string;
  /** The seq expected there (row_missing) or the seq of the row that fails. */
  seq: number;
  /** The row where the break shows: the edited row, or the first row after the missing ones. */
  rowId: string;
  problem: ChainProblem;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  chains: number;
  rowsChecked: number;
  /** Chains whose start was re-anchored by a prune (audit.pruned). */
  anchoredChains: number;
  /** Rows written before the chain existed (migration 20261208100000): not verifiable, not failures. */
  unchainedLegacy: number;
  breaks: ChainBreak[];
}

/** Rows per keyset page: memory stays one page whatever the table holds. */
const PAGE = 1000;

type StoredRow = ChainContent & { id: string | number; prev_hash: string; hash: string };

interface ChainState {
  chainId: string;
  expected: ChainHead;
  broken: boolean;
  anchored: boolean;
  /** A row past the anchor has been checked. */
  started: boolean;
}

/**
 * Walks every chain in seq order, in keyset pages, recomputing each row's hash; reports the first
 * broken link of each chain. A chain starts at its genesis value, or at the anchor the last prune
 * left for it; a seq gap the anchor explains (a prune that ran meanwhile, too) is not a break.
 */
export async function verifyAuditChains(db: Db): Promise<VerifyReport> {
  const report: VerifyReport = {
    ok: true,
    chains: 0,
    rowsChecked: 0,
    anchoredChains: 0,
    unchainedLegacy: 0,
    breaks: [],
  };
  let chain: ChainState | null = null;
  let after: { chainId: string; seq: string } | null = null;
  for (;;) {
    const q = db('audit_events')
      .whereNotNull('chain_id')
      .orderBy([{ column: 'chain_id' }, { column: 'seq' }])
      .limit(PAGE);
    if (after) q.whereRaw('(chain_id, seq) > (?, ?)', [after.chainId, after.seq]);
    const page = (await q) as StoredRow[];
    for (const row of page) {
      if (chain?.chainId !== row.chain_id) {
        if (chain?.anchored) report.anchoredChains++;
        chain = await startChain(db, row.chain_id);
        report.chains++;
      }
      report.rowsChecked++;
      if (chain.broken) continue;
      const problem = await checkRow(db, chain, row);
      if (problem) {
        chain.broken = true;
        report.breaks.push(problem);
      }
    }
    if (page.length < PAGE) break;
    const last = page[page.length - 1]!;
    after = { chainId: last.chain_id, seq: String(last.seq) };
  }
  if (chain?.anchored) report.anchoredChains++;
  const legacy = await db('audit_events').whereNull('chain_id').count<{ n: string }[]>('* as n');
  report.unchainedLegacy = Number(legacy[0]!.n);
  report.ok = report.breaks.length === 0;
  return report;
}

async function startChain(db: Db, chainId: string): Promise<ChainState> {
  const anchor = await readChainAnchor(db, chainId);
  return {
    chainId,
    expected: anchor ?? genesisHead(chainId),
    broken: false,
    anchored: anchor !== null,
    started: false,
  };
}

async function checkRow(db: Db, chain: ChainState, row: StoredRow): Promise<ChainBreak | null> {
  const seq = Number(row.seq);
  const at = (problem: ChainProblem, atSeq: number, message: string): ChainBreak => ({
    chainId: chain.chainId,
    seq: atSeq,
    rowId: String(row.id),
    problem,
    message,
  });
  // Rows at or before the chain's anchor: a prune removed them after this page was read.
  if (seq <= chain.expected.seq && chain.anchored && !chain.started) return null;
  chain.started = true;
  if (seq <= chain.expected.seq)
    return at('prev_hash_mismatch', seq, 'a row at or before the seq the chain had reached');
  if (seq !== chain.expected.seq + 1) {
    // A prune may have cut this chain since its start was read: its newest anchor decides.
    const anchor = await readChainAnchor(db, chain.chainId);
    if (anchor && anchor.seq === seq - 1 && anchor.seq > chain.expected.seq) {
      chain.expected = anchor;
      chain.anchored = true;
    } else {
      const from = chain.expected.seq + 1;
      const missing = seq - 1 === from ? `seq ${from}` : `seq ${from}..${seq - 1}`;
      return at('row_missing', from, `row missing: ${missing} not in the table (next row: seq ${seq})`);
    }
  }
  if (rowHash(row.prev_hash, row) !== row.hash)
    return at('content_edited', seq, 'content edited: the row does not hash to its stored hash');
  if (row.prev_hash !== chain.expected.hash)
    return at('prev_hash_mismatch', seq, "prev_hash mismatch: the row does not follow the chain's previous row");
  chain.expected = { seq, hash: row.hash };
  return null;
}
