// A self-signed certificate for 127.0.0.1, for HTTP/2 over TLS on loopback (the TLS server test
// and the HTTP/2 benchmark runs); made with openssl, which every machine we test on has.
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'

/** Write `key.pem` and `cert.pem` into `dir`: an EC key and a one-day certificate for 127.0.0.1. */
export function selfSignedCertificate(dir) {
  const keyPath = join(dir, 'key.pem')
  const certPath = join(dir, 'cert.pem')
  execFileSync(
    'openssl',
    [
      ...[
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
      ],
      ...['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
      ...['-keyout', keyPath, '-out', certPath],
    ],
    { stdio: 'ignore' },
  )
  return { keyPath, certPath }
}
