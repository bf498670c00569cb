// For knex tooling; the server and `npm run migrate` open the database through src/db. This opens
// the embedded database without DATA_DIR's lock: never while the server runs (use the CLI then).
import type { Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import { loadConfig } from './src/config/load-config.js';
import { readEnv } from './src/config/read-env.js';
import { pgliteDirFor } from './src/db/create-db.js';
import { migrationSource } from './src/db/migrate.js';

const config = loadConfig(readEnv());

const knexConfig: Knex.Config = config.databaseUrl
  ? { client: 'pg', connection: config.databaseUrl, migrations: { migrationSource } }
  : {
      client: ClientPgLite as unknown as typeof Knex.Client,
      dialect: 'postgres',
      connection: { filename: pgliteDirFor(config.dataDir) },
      migrations: { migrationSource },
    };

export default knexConfig;
