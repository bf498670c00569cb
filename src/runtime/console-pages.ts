import type { ConsolePage } from '../pages/admin-console/console-deps.js';
import type { Services } from './services.js';

/** The admin console's feature pages, built over the services; each mounts its own routes under /admin. */
export function consolePages(_s: Services): ConsolePage[] {
  return [];
}
