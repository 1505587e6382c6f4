import { problemOf, type Problem } from '../problems';

// A refused settings.update as words beside the fields: each zod issue becomes a sentence about
// what to enter, shown once, next to the field its path names. What matches no field on the form
// stays a problem for the whole form. The raw issue goes under Details.

interface Issue {
  path: string;
  message: string;
}

function issuesOf(error: unknown): Issue[] {
  const issues = (error as { data?: { issues?: unknown } } | null)?.data?.issues;
  if (!Array.isArray(issues)) return [];
  return issues.filter((i): i is Issue => typeof i?.path === 'string' && typeof i?.message === 'string').map((i) => ({ path: i.path.replace(/^patch\./, ''), message: i.message }));
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** What to do, for the messages the settings schema gives. */
export function issueSentence(message: string): string {
  let m: RegExpExecArray | null;
  if (/^expected llama:/.test(message)) return 'Write it as llama:/path/model.gguf, ollama:NAME@http://host:port or openai:NAME@BASE_URL, or choose a model below.';
  if (/http\(s\) URL|invalid url/i.test(message)) return 'Enter an address that starts with http:// or https://.';
  if ((m = /^Too big: expected number to be <=?\s*([\d.,e+-]+)/.exec(message))) return `Enter ${m[1]} or less.`;
  if ((m = /^Too small: expected number to be >=?\s*([\d.,e+-]+)/.exec(message))) return `Enter ${m[1]} or more.`;
  if ((m = /^Too big: expected array to have <=?\s*(\d+)/.exec(message))) return `List at most ${m[1]}.`;
  if ((m = /^Too big: expected string to have <=?\s*(\d+)/.exec(message))) return `Make it at most ${m[1]} characters.`;
  if (/expected int/i.test(message)) return 'Enter a whole number.';
  const text = capital(message.trim());
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

export interface FormProblems<P extends string> {
  byField: Partial<Record<P, Problem>>;
  /** For the form as a whole: what no field on it took, or null. */
  form: Problem | null;
}

/** Splits a refused save over the form's fields (a path names a field or something inside it). */
export function problemsFor<P extends string>(error: unknown, paths: readonly P[]): FormProblems<P> {
  const byField: Partial<Record<P, Problem>> = {};
  const left: Issue[] = [];
  for (const issue of issuesOf(error)) {
    const path = paths.find((p) => issue.path === p || issue.path.startsWith(`${p}.`));
    if (path && !byField[path]) byField[path] = { text: issueSentence(issue.message), details: `${issue.path}: ${issue.message}`, field: path };
    else if (!path) left.push(issue);
  }
  if (Object.keys(byField).length === 0) return { byField, form: problemOf(error) };
  if (left.length === 0) return { byField, form: null };
  return { byField, form: { text: `Check ${left.map((i) => i.path).join(', ')}: ${issueSentence(left[0]!.message)}`, details: left.map((i) => `${i.path}: ${i.message}`).join('\n'), field: null } };
}
