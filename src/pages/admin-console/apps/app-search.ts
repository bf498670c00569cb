import type { Db } from '../../../db/create-db.js';
import { publicView, rowToClient, type ClientRecord } from '../../../clients/client-record.js';

/** `%`, `_` and `\` typed in the search box are matched literally. */
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Clients whose name or client id contains `q` (case-insensitive), oldest first as clients:list;
 * every client when `q` is empty. The registry has no search: this reads its table the way it does.
 */
export async function searchClients(db: Db, q: string): Promise<ClientRecord[]> {
  const query = db('oauth_clients').orderBy('created_at', 'asc');
  const term = q.trim();
  if (term) {
    const pattern = `%${likeEscape(term)}%`;
    query.where((w) =>
      w.whereRaw(`name ilike ? escape '\\'`, [pattern]).orWhereRaw(`client_id ilike ? escape '\\'`, [pattern]),
    );
  }
  const rows: Record<string, unknown>[] = await query;
  return rows.map((r) => publicView(rowToClient(r)));
}
