import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The checkout's root (package.json, views/): this file runs from src/ under tsx and from
 * dist/src/ once built, and the assets are not copied into dist/.
 */
export const PROJECT_ROOT = basename(dirname(here)) === 'dist' ? join(here, '..', '..') : join(here, '..');
