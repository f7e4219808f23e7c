/**
 * A self-signed certificate for localhost and 127.0.0.1, made at test time
 * with the `openssl` command (an EC P-256 key: fast to make). `null` when
 * openssl is not installed: the TLS tests are then skipped, saying so.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificate {
  key: string;
  cert: string;
}

export function makeCertificate(): TestCertificate | null {
  const dir = mkdtempSync(join(tmpdir(), 'wiremachine-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'pipe' },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      console.warn('openssl is not installed: the TLS tests are skipped');
      return null;
    }
    throw e;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
