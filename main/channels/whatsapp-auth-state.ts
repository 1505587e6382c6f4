import fs from 'node:fs';
import path from 'node:path';
import type { AuthenticationCreds, AuthenticationState, SignalDataTypeMap } from '@whiskeysockets/baileys';

// WhatsApp's login (credentials and Signal keys), one JSON file per key in a folder only this user
// can open. Unlike Baileys' own multi-file state, every write is write-then-rename, so a crash
// mid-write cannot truncate the credentials, and damaged credentials are reported (and kept aside)
// instead of silently starting a new login.

/** The parts of Baileys this needs (passed in: Baileys is loaded only when WhatsApp is on). */
export interface AuthLib {
  initAuthCreds(): AuthenticationCreds;
  BufferJSON: { replacer(key: string, value: unknown): unknown; reviver(key: string, value: unknown): unknown };
  proto: { Message: { AppStateSyncKeyData: { fromObject(value: object): unknown } } };
}

export class CorruptAuthState extends Error {}

export interface AuthStore {
  state: AuthenticationState;
  saveCreds(): Promise<void>;
  /** Whether this device was linked to a phone (else the next connection shows a QR code). */
  linked: boolean;
}

let tmpCounter = 0;

async function writeAtomic(file: string, content: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${tmpCounter++}.tmp`;
  await fs.promises.writeFile(tmp, content, { mode: 0o600 });
  await fs.promises.rename(tmp, file);
}

const fileName = (name: string) => `${name.replace(/\//g, '__').replace(/:/g, '-')}.json`;

export async function openAuthState(dir: string, lib: AuthLib): Promise<AuthStore> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  const read = async (name: string): Promise<unknown> => {
    const raw = await fs.promises.readFile(path.join(dir, fileName(name)), 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    return raw === null ? null : JSON.parse(raw, lib.BufferJSON.reviver);
  };
  const write = (name: string, value: unknown) => writeAtomic(path.join(dir, fileName(name)), JSON.stringify(value, lib.BufferJSON.replacer));
  const remove = (name: string) => fs.promises.rm(path.join(dir, fileName(name)), { force: true });

  let creds: AuthenticationCreds;
  try {
    creds = ((await read('creds')) as AuthenticationCreds | null) ?? lib.initAuthCreds();
  } catch (error) {
    const aside = path.join(dir, `creds.damaged-${Date.now()}.json`);
    await fs.promises.rename(path.join(dir, fileName('creds')), aside).catch(() => undefined);
    throw new CorruptAuthState(`WhatsApp's login data was damaged (${(error as Error).message}; kept as ${aside}): log in again to scan a new QR code.`);
  }
  return {
    linked: Boolean(creds.me),
    saveCreds: () => write('creds', creds),
    state: {
      creds,
      keys: {
        get: async <T extends keyof SignalDataTypeMap>(type: T, ids: string[]) => {
          const found: Record<string, SignalDataTypeMap[T]> = {};
          await Promise.all(
            ids.map(async (id) => {
              // A damaged key file counts as missing: Signal then sets that session up again.
              let value = await read(`${type}-${id}`).catch(() => null);
              if (type === 'app-state-sync-key' && value) value = lib.proto.Message.AppStateSyncKeyData.fromObject(value as object);
              if (value) found[id] = value as SignalDataTypeMap[T];
            }),
          );
          return found;
        },
        set: async (data) => {
          const writes: Promise<void>[] = [];
          for (const [type, entries] of Object.entries(data)) {
            for (const [id, value] of Object.entries(entries ?? {})) writes.push(value ? write(`${type}-${id}`, value) : remove(`${type}-${id}`));
          }
          await Promise.all(writes);
        },
      },
    },
  };
}

/** Forgets the login entirely (logged out, or a fresh QR login). */
export function clearAuthState(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
