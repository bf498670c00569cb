// Certificates for the TLS checks, made with the machine's openssl in a scratch directory (the
// test file's own, removed when it ends): a private CA, and leaf certificates signed by it that
// are valid, expiring soon, expired or for another host, plus a self-signed one.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testTmpDir } from '../support/test-env.js';

export interface TestPki {
  caFile: string;
  leaf(kind: 'valid' | 'expiring' | 'expired' | 'wrong-host' | 'self-signed'): { key: string; cert: string };
}

const CA_CONFIG = `[ ca ]
default_ca = d
[ d ]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = p
copy_extensions = copy
unique_subject = no
[ p ]
commonName = supplied
`;

const day = (offsetDays: number) =>
  new Date(Date.now() + offsetDays * 86_400_000).toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';

export function createTestPki(): TestPki {
  const dir = testTmpDir('pki-');
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  writeFileSync(join(dir, 'ca.cnf'), CA_CONFIG);
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '01\n');
  ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=Doctor Test CA', '-days', '2');
  let n = 0;
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return {
    caFile: join(dir, 'ca.pem'),
    leaf(kind) {
      const name = `leaf${++n}`;
      const san = kind === 'wrong-host' ? 'DNS:other.example' : 'IP:127.0.0.1,DNS:localhost';
      const subject = `/CN=${kind === 'wrong-host' ? 'other.example' : 'localhost'}`;
      if (kind === 'self-signed') {
        ssl(
          'req',
          '-x509',
          ...ec,
          '-keyout',
          `${name}.key`,
          '-out',
          `${name}.pem`,
          '-subj',
          subject,
          '-days',
          '30',
          '-addext',
          `subjectAltName=${san}`,
        );
        return { key: read(`${name}.key`), cert: read(`${name}.pem`) };
      }
      ssl(
        'req',
        ...ec,
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.csr`,
        '-subj',
        subject,
        '-addext',
        `subjectAltName=${san}`,
      );
      const [start, end] =
        kind === 'expired' ? [day(-60), day(-30)] : kind === 'expiring' ? [day(-1), day(7)] : [day(-1), day(200)];
      ssl(
        'ca',
        '-batch',
        '-config',
        'ca.cnf',
        '-cert',
        'ca.pem',
        '-keyfile',
        'ca.key',
        '-in',
        `${name}.csr`,
        '-out',
        `${name}.pem`,
        '-startdate',
        start!,
        '-enddate',
        end!,
        '-notext',
      );
      return { key: read(`${name}.key`), cert: read(`${name}.pem`) };
    },
  };
}
