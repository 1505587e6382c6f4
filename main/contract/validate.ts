import type { z } from 'zod';

/** A value checked against a schema: the parsed data, or what is wrong with it. */
export type Checked<T> = { success: true; data: T } | { success: false; issues: Array<{ path: PropertyKey[]; message: string }> };

/**
 * Validates input from outside (RPC params, tool arguments). zod can throw instead of reporting on
 * some hostile shapes: a length check still runs on a value of the wrong type, and an object with a
 * non-callable "toString" in its "length" (`{"text": {"length": {"toString": 1}}}`) makes that
 * comparison throw. Such a value is invalid input like any other, never an internal error.
 */
export function checkInput<S extends z.ZodType>(schema: S, value: unknown): Checked<z.output<S>> {
  let parsed: ReturnType<S['safeParse']>;
  try {
    parsed = schema.safeParse(value) as ReturnType<S['safeParse']>;
  } catch {
    return { success: false, issues: [{ path: [], message: 'a value has a shape that cannot be checked (an object where text, a number or a list was expected)' }] };
  }
  return parsed.success ? { success: true, data: parsed.data as z.output<S> } : { success: false, issues: parsed.error.issues };
}
