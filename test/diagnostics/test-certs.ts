// Certificates for the TLS checks, made with the machine's openssl in a scratch directory (the
// test file's own, removed when it ends): a private CA, and leaf certificates signed by it that
// are valid, expiring soon, expired or for another host, plus a self-signed one.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testTmpDir } from '../support/test-env.js';

export interface TestPki {
  caFile: string;
  leaf(kind: 'valid' | 'expiring' | 'expired' | 'wrong-host' | 'self-signed' | 'no-intermediate' | 'full-chain'): {
    key: string;
    cert: string;
  };
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
  const ssl = (args: string) => execFileSync('openssl', args.split(' '), { cwd: dir, stdio: 'pipe' });
  const ec = '-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes';
  /** A CSR for `name` (subject and one extension), signed by `issuer` for the given dates. */
  const issue = (name: string, subject: string, ext: string, issuer: string, start: string, end: string) => {
    execFileSync(
      'openssl',
      [...`req ${ec} -keyout ${name}.key -out ${name}.csr -subj`.split(' '), subject, '-addext', ext],
      {
        cwd: dir,
        stdio: 'pipe',
      },
    );
    ssl(
      `ca -batch -config ca.cnf -cert ${issuer}.pem -keyfile ${issuer}.key -in ${name}.csr -out ${name}.pem ` +
        `-startdate ${start} -enddate ${end} -notext`,
    );
  };
  writeFileSync(join(dir, 'ca.cnf'), CA_CONFIG);
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '01\n');
  execFileSync(
    'openssl',
    [...`req -x509 ${ec} -keyout ca.key -out ca.pem -days 2 -subj`.split(' '), '/CN=Doctor Test CA'],
    {
      cwd: dir,
      stdio: 'pipe',
    },
  );
  // An intermediate CA (what public CAs sign leaf certificates with): servers must send it along.
  issue('int', '/CN=Doctor Test Intermediate', 'basicConstraints=critical,CA:TRUE', 'ca', day(-1), day(300));
  let n = 0;
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return {
    caFile: join(dir, 'ca.pem'),
    leaf(kind) {
      const name = `leaf${++n}`;
      const san = `subjectAltName=${kind === 'wrong-host' ? 'DNS:other.example' : 'IP:127.0.0.1,DNS:localhost'}`;
      const subject = `/CN=${kind === 'wrong-host' ? 'other.example' : 'localhost'}`;
      if (kind === 'self-signed') {
        execFileSync(
          'openssl',
          [
            ...`req -x509 ${ec} -keyout ${name}.key -out ${name}.pem -days 30 -subj`.split(' '),
            subject,
            '-addext',
            san,
          ],
          { cwd: dir, stdio: 'pipe' },
        );
        return { key: read(`${name}.key`), cert: read(`${name}.pem`) };
      }
      const [start, end] =
        kind === 'expired' ? [day(-60), day(-30)] : kind === 'expiring' ? [day(-1), day(7)] : [day(-1), day(200)];
      const viaIntermediate = kind === 'no-intermediate' || kind === 'full-chain';
      issue(name, subject, san, viaIntermediate ? 'int' : 'ca', start!, end!);
      // A full chain is the leaf followed by its intermediate (fullchain.pem).
      return { key: read(`${name}.key`), cert: read(`${name}.pem`) + (kind === 'full-chain' ? read('int.pem') : '') };
    },
  };
}
