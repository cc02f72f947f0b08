/** Write `key.pem` and `cert.pem` into `dir`: an EC key and a one-day certificate for 127.0.0.1. */
export function selfSignedCertificate(dir: string): { keyPath: string; certPath: string }
