import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// How each audit row is sealed. Rows written before the chain was keyed (up to `legacyThrough`)
// keep their plain SHA-256; every later row is an HMAC-SHA256 under a key kept in the secret store,
// so whoever has only the database file can no longer recompute a valid chain after an edit.

export const GENESIS = '0'.repeat(64);

export interface ChainKey {
  key: Buffer;
  /** The last row sealed with plain SHA-256 (0: the chain was keyed from its first row). */
  legacyThrough: number;
  /** Rows up to here were sealed with a key that was lost: only their links can be checked. */
  lostThrough: number;
}

export interface SealedFields {
  seq: number;
  at: string;
  actor: string;
  surface: string;
  action: string;
  subject: string;
  details: string;
}

const fieldsOf = (r: SealedFields) => JSON.stringify([r.seq, r.at, r.actor, r.surface, r.action, r.subject, r.details]);

export function seal(chain: ChainKey, prev: string, row: SealedFields): string {
  if (row.seq <= chain.legacyThrough) return createHash('sha256').update(prev).update(fieldsOf(row)).digest('hex');
  return createHmac('sha256', chain.key).update(prev).update(fieldsOf(row)).digest('hex');
}

export function headMac(key: Buffer, seq: number, hash: string): string {
  return createHmac('sha256', key).update(`perch-audit-head\n${seq}\n${hash}`).digest('hex');
}

export function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Stored in the secret store as one value: the boundary is as hard to forge as the key. */
export const encodeChainKey = (c: ChainKey) => JSON.stringify({ key: c.key.toString('hex'), legacyThrough: c.legacyThrough, lostThrough: c.lostThrough });

export function decodeChainKey(raw: string): ChainKey | null {
  try {
    const v = JSON.parse(raw) as { key?: unknown; legacyThrough?: unknown; lostThrough?: unknown };
    if (typeof v.key !== 'string' || !/^[0-9a-f]{64}$/.test(v.key)) return null;
    const n = (x: unknown) => (Number.isSafeInteger(x) && (x as number) >= 0 ? (x as number) : null);
    const legacyThrough = n(v.legacyThrough);
    const lostThrough = n(v.lostThrough ?? 0);
    if (legacyThrough === null || lostThrough === null) return null;
    return { key: Buffer.from(v.key, 'hex'), legacyThrough, lostThrough };
  } catch {
    return null;
  }
}

export const newChainKey = (legacyThrough: number, lostThrough = 0): ChainKey => ({ key: randomBytes(32), legacyThrough, lostThrough });
