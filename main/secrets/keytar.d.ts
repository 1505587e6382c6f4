// keytar is optional (it needs libsecret to build on Linux), so its own types may be missing: the
// three functions secret-store.ts calls are declared here. This file has no top-level import or
// export, so it is an ambient declaration, which TypeScript uses instead of keytar's bundled
// keytar.d.ts when keytar is installed (never merged with it, so the two cannot conflict).
declare module 'keytar' {
  export function getPassword(service: string, account: string): Promise<string | null>;
  export function setPassword(service: string, account: string, password: string): Promise<void>;
  export function deletePassword(service: string, account: string): Promise<boolean>;
}
