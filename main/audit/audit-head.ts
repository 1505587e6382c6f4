import fs from 'node:fs';
import { writeFileAtomic } from '../store/atomic-write';
import { headMac, sameHex } from './chain';

// The chain's head (last seq + hash) outside the database, so cutting rows off the end shows.
// A file in the data dir rather than the secret store: it is rewritten after appends, and a file
// write costs well under a millisecond where a keychain call is an async D-Bus/XPC round trip.
// The file carries an HMAC under the chain key, so it cannot be rewritten to match a shorter log
// (an old copy put back can be: only the keychain or a remote copy could rule that out).

export interface Head {
  seq: number;
  hash: string;
}

export type HeadRead = { state: 'ok'; head: Head } | { state: 'missing' } | { state: 'altered' };

export class HeadFile {
  constructor(readonly file: string) {}

  read(key: Buffer): HeadRead {
    let raw: string;
    try {
      raw = fs.readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
      return { state: 'altered' };
    }
    try {
      const v = JSON.parse(raw) as { seq?: unknown; hash?: unknown; mac?: unknown };
      if (!Number.isSafeInteger(v.seq) || typeof v.hash !== 'string' || typeof v.mac !== 'string') return { state: 'altered' };
      const head = { seq: v.seq as number, hash: v.hash };
      return sameHex(headMac(key, head.seq, head.hash), v.mac) ? { state: 'ok', head } : { state: 'altered' };
    } catch {
      return { state: 'altered' };
    }
  }

  exists(): boolean {
    return fs.existsSync(this.file);
  }

  write(key: Buffer, head: Head): void {
    writeFileAtomic(this.file, JSON.stringify({ ...head, mac: headMac(key, head.seq, head.hash) }), 0o600);
  }
}
