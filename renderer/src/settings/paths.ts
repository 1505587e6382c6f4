import { z } from 'zod';
import type { Result } from '../../../main/contract/methods';
import { settingsSchema, type Settings } from '../../../main/contract/settings';

// Setting paths typed by the schema ("memory.recallLimit", "gateway.rateLimit.burst" …), reading
// and writing a value at a path, a setting's bounds, and the variable that forces it, if any.

export type View = Result<'settings.get'>;
export type Status = Result<'system.status'>;

/** An object level of the settings (a record such as usage.prices, an array or a nullable value is a leaf). */
type Branch<T> = [T] extends [readonly unknown[]] ? false : null extends T ? false : [T] extends [object] ? (string extends keyof T ? false : true) : false;
type PathOf<T> = { [K in keyof T & string]: Branch<T[K]> extends true ? `${K}.${PathOf<T[K]>}` : K }[keyof T & string];
export type SettingPath = PathOf<Settings>;
export type ValueAt<T, P extends string> = P extends `${infer H}.${infer R}` ? (H extends keyof T ? ValueAt<T[H], R> : never) : P extends keyof T ? T[P] : never;
export type PathWhere<V> = { [P in SettingPath]: [ValueAt<Settings, P>] extends [V] ? P : never }[SettingPath];
export type NullableTextPath = { [P in SettingPath]: [ValueAt<Settings, P>] extends [string | null] ? (null extends ValueAt<Settings, P> ? P : never) : never }[SettingPath];
export type Target = NonNullable<Settings['scheduler']['failureChat']>;

export function valueAt(settings: Settings, path: string): unknown {
  return path.split('.').reduce<unknown>((at, key) => (at && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined), settings);
}

export function setAt(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let at = target;
  for (const key of keys.slice(0, -1)) {
    at[key] ??= {};
    at = at[key] as Record<string, unknown>;
  }
  at[keys[keys.length - 1]!] = value;
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let s = schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodPrefault || s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
  return s;
}

/** The schema of one setting, to show its bounds. */
function schemaAt(path: string): z.ZodType | undefined {
  let s: z.ZodType | undefined = settingsSchema;
  for (const key of path.split('.')) {
    s = unwrap(s);
    s = s instanceof z.ZodObject ? (s.shape as Record<string, z.ZodType>)[key] : undefined;
  }
  return unwrap(s);
}

export function boundsOf(path: string): { min?: number; max?: number; int: boolean } {
  const s = schemaAt(path);
  if (!(s instanceof z.ZodNumber)) return { int: false };
  const finite = (n: number | null) => (n !== null && Math.abs(n) < Number.MAX_SAFE_INTEGER ? n : undefined);
  const min = finite(s.minValue);
  const max = finite(s.maxValue);
  return { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}), int: Boolean(s.isInt) };
}

/** The variable forcing this setting, if one does. */
export function overriddenBy(view: View, path: string): string | null {
  return view.overridden.find((o) => o.path === path || path.startsWith(`${o.path}.`))?.variable ?? null;
}

export const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
export const nf = new Intl.NumberFormat();
