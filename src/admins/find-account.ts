import type { Account, FindAccount } from 'oidc-provider';
import type { Db } from '../db/create-db.js';
import { createAdminStore } from './admin-store.js';

/**
 * oidc-provider's findAccount: the end-users here are the store's admins. A disabled admin still
 * resolves (the provider would otherwise fail mid-request); the interaction pages refuse them.
 */
export function createFindAccount(db: Db): FindAccount {
  const store = createAdminStore(db);
  return async (_ctx, sub): Promise<Account | undefined> => {
    const admin = await store.findById(sub);
    if (!admin) return undefined;
    return {
      accountId: admin.id,
      claims: () => ({ sub: admin.id, preferred_username: admin.username }),
    };
  };
}
