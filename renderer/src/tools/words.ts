import type { Result } from '../../../main/contract/methods';
import { plural } from '../words';

// MCP servers and tools in words for people: a server's state as a short line (with the reason
// as a sentence and anything raw kept for Details), and what each rule means.

export type ServerView = Result<'mcp.servers.list'>['items'][number];
export type ToolView = Result<'mcp.tools.list'>['items'][number];
export type Rule = ServerView['rule'];

export interface StateWords {
  /** The dot's colour. */
  tone: 'ok' | 'warn' | 'bad' | 'off';
  /** The dot's accessible name: the state in a word or two. */
  label: string;
  /** The line beside the dot. */
  text: string;
  /** Raw detail (an error code, a process's last words), for a Details disclosure. */
  details: string | null;
}

const sentence = (text: string) => {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
};

/** Codes, stack lines and JSON: what a program says, not words for people. */
const CODE = /\bE[A-Z]{4,}\b|\bat \S+:\d+|[{}[\]]|\berrno\b|-32\d{3}|^spawn /;
/** In brackets, a colon too ("(MCP error -32001: Request timed out)"). */
const RAW = new RegExp(`${CODE.source}|:`);

/**
 * A failure's reason as sentences, with what a program said kept for Details: a part in
 * brackets that looks raw ("(MCP error -32001: Request timed out)") moves there, and the
 * server's own "Trying again at <time>." goes (the page counts down instead).
 */
export function reasonOf(detail: string | null): { text: string; details: string | null } {
  if (!detail) return { text: 'Perch could not start it. Check the command or address, then press Restart.', details: null };
  const raw: string[] = [];
  const text = detail
    .replace(/\s*\(([^()]*)\)/g, (whole, inside: string) => {
      if (!RAW.test(inside) && inside.length <= 40) return whole;
      raw.push(inside);
      return '';
    })
    .replace(/\s*Trying again at [^.]*\.?/, '')
    .trim();
  if (!text || CODE.test(text)) return { text: 'It stopped with an error. Check its command, arguments and environment, then press Restart.', details: detail };
  return { text: sentence(text), details: raw.length ? raw.join('\n') : null };
}

/** Whole seconds until `at` (never below 0). */
export const secondsUntil = (at: string | null, now: number): number | null => (at ? Math.max(0, Math.ceil((Date.parse(at) - now) / 1000)) : null);

export function stateWords(view: ServerView, now: number): StateWords {
  if (!view.enabled) return { tone: 'off', label: 'Disabled', text: 'Disabled: it is not started and its tools are not offered to the assistant.', details: null };
  switch (view.state) {
    case 'ready':
      return { tone: 'ok', label: 'Ready', text: `Ready · ${plural(view.toolCount, 'tool')}`, details: null };
    case 'starting':
      return { tone: 'warn', label: 'Starting', text: 'Starting…', details: null };
    case 'restarting': {
      const left = secondsUntil(view.nextRetryAt, now);
      const reason = view.detail ? reasonOf(view.detail) : null;
      const when = left === null ? 'Restarting…' : left === 0 ? 'Restarting now…' : `Restarting, next try in ${left} s`;
      return { tone: 'warn', label: 'Restarting', text: reason ? `${when} — ${reason.text}` : when, details: reason?.details ?? null };
    }
    case 'failed': {
      const reason = reasonOf(view.detail);
      return { tone: 'bad', label: 'Failed', text: `Failed: ${reason.text}`, details: reason.details };
    }
    case 'stopped':
      return { tone: 'off', label: 'Stopped', text: 'Stopped. Press Restart to start it again.', details: null };
  }
}

/** How the server is reached, as one line (the command with its arguments, or the address). */
export function launchLine(view: ServerView): string {
  if (view.transport === 'http') return view.url ?? '';
  return [view.command ?? '', ...(view.args ?? [])].map((part) => (/\s/.test(part) ? `"${part}"` : part)).join(' ');
}

export const RULE_WORDS: Record<Rule, string> = {
  ask: 'Ask every time',
  allow: 'Always allow',
  block: 'Block',
};

/** Only tools the server marks read-only (and not destructive) may be allowed without a confirmation. */
export const isReadOnly = (tool: ToolView): boolean => tool.annotations.readOnlyHint === true && tool.annotations.destructiveHint !== true;

/** Why allowing this tool without asking needs a confirmation. */
export function allowWarning(tool: ToolView): string {
  const { destructiveHint } = tool.annotations;
  const why = destructiveHint === true ? 'says it may delete or overwrite things' : destructiveHint === false ? 'says it changes things' : 'does not say whether it changes anything';
  return `“${tool.title ?? tool.name}” ${why}. With Always allow, the assistant runs it without asking you first, with whatever arguments it chooses.`;
}
