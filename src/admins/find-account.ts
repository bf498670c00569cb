import type { Account, FindAccount } from 'oidc-provider';
import type { AdminStore } from './admin-store.js';

/**
 * oidc-provider's findAccount: the end-users here are the store's admins. A disabled admin still
 * resolves (the provider would otherwise fail mid-request); the interaction pages refuse them.
 */
export function createFindAccount(store: AdminStore): FindAccount {
  return async (_ctx, sub): Promise<Account | undefined> => {
    const admin = await store.findById(sub);
    if (!admin) return undefined;
    return {
      accountId: admin.id,
      claims: () => ({ sub: admin.id, preferred_username: admin.username }),
    };
  };
}
