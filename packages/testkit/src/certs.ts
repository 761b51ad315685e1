// A throwaway PKI made with openssl: a CA, a server certificate for localhost/127.0.0.1 and a
// client certificate, for TLS and mTLS tests.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCerts {
  dir: string;
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
}

/** Undefined when openssl is not installed. `dnsNames`: more names the server certificate is for. */
export function makeTestCerts(dnsNames: string[] = []): TestCerts | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'flowtel-certs-'));
  const f = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  try {
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=flowtel test CA',
      '-keyout',
      f('ca.key'),
      '-out',
      f('ca.pem'),
    );
    const names = ['localhost', ...dnsNames].map((n) => `DNS:${n}`).join(',');
    writeFileSync(f('server.ext'), `subjectAltName=${names},IP:127.0.0.1\n`);
    for (const who of ['server', 'client']) {
      openssl(
        'req',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        `/CN=${who === 'server' ? 'localhost' : 'flowtel test client'}`,
        '-keyout',
        f(`${who}.key`),
        '-out',
        f(`${who}.csr`),
      );
      openssl(
        'x509',
        '-req',
        '-in',
        f(`${who}.csr`),
        '-CA',
        f('ca.pem'),
        '-CAkey',
        f('ca.key'),
        '-CAcreateserial',
        '-days',
        '2',
        '-out',
        f(`${who}.pem`),
        ...(who === 'server' ? ['-extfile', f('server.ext')] : []),
      );
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return {
    dir,
    caFile: f('ca.pem'),
    serverCertFile: f('server.pem'),
    serverKeyFile: f('server.key'),
    clientCertFile: f('client.pem'),
    clientKeyFile: f('client.key'),
  };
}
