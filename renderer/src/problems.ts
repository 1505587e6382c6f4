import { RpcError } from '../../main/contract/errors';

// Words for people: every error a person can see becomes a sentence about what to do, with the
// internal detail (the server's own message, schema paths, codes) kept for a "Details" disclosure.

export interface Problem {
  /** What happened and what to do, in a sentence. */
  text: string;
  /** The raw detail, for the Details disclosure; null when the sentence says it all. */
  details: string | null;
  /** The setting or form field it belongs to (a dotted path such as "models.chat"), if any. */
  field: string | null;
}

/** Names people know for the fields an invalid_params issue can point at (longest prefix wins). */
const FIELD_NAMES: Array<[string, string]> = [
  ['patch.models.chat', 'Chat model'],
  ['patch.models.fallback', 'Fallback models'],
  ['patch.models.embed', 'Embedding model'],
  ['patch.channels.telegram', 'Telegram settings'],
  ['patch.channels.whatsapp', 'WhatsApp settings'],
  ['patch.agent', 'Assistant settings'],
  ['patch.memory', 'Memory settings'],
  ['patch.approvals', 'Approval settings'],
  ['patch.privacy', 'Privacy settings'],
  ['patch.usage', 'Usage settings'],
  ['patch', 'Settings'],
  ['schedule', 'Schedule'],
  ['payload', 'What it does'],
  ['target', 'Where it goes'],
  ['name', 'Name'],
  ['title', 'Title'],
  ['text', 'Message'],
  ['token', 'Token'],
  ['pattern', 'Pattern'],
  ['query', 'Search'],
  ['spec', 'Model'],
];

export function fieldName(path: string): string | null {
  const found = FIELD_NAMES.find(([prefix]) => path === prefix || path.startsWith(`${prefix}.`));
  return found ? found[1] : null;
}

/** Sentences for application errors whose server message is not meant for people as it is. */
const SENTENCES: Record<string, string> = {
  unauthorized: 'You are signed out. Sign in again to go on.',
  rate_limited: 'Perch is busy with many requests. Wait a moment and try again.',
  payload_too_large: 'That is too large to send to Perch. Make it smaller and try again.',
  reply_too_large: 'The answer was too large to show at once. Ask for less at a time.',
  connection_closed: 'The connection to Perch was lost. It reconnects by itself; try again in a moment.',
  shutting_down: 'Perch is shutting down. Start it again, then try again.',
  bad_result: 'Perch answered in a way this dashboard does not understand. Reload the page; if it persists, update Perch.',
  method_not_found: 'This version of Perch cannot do that. Reload the page, or update Perch.',
};

/** Server messages written for people: shown as they are. */
const AS_IS = new Set(['no_model', 'model_unavailable', 'message_too_long', 'already_resolved', 'invalid_rule', 'invalid_schedule', 'disk_full', 'not_found', 'invalid_setting', 'login_code_invalid']);

const lower = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);
const sentence = (text: string) => {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
};

export function problemOf(error: unknown): Problem {
  if (isProblem(error)) return error;
  if (error instanceof RpcError || isRpcLike(error)) {
    const { message, data } = error as { message: string; data?: Record<string, unknown> };
    const code = typeof data?.code === 'string' ? data.code : null;
    const details = [message, code ? `(${code})` : ''].filter(Boolean).join(' ');
    if (code === 'invalid_params' && Array.isArray(data?.issues)) {
      const first = (data.issues as Array<{ path?: unknown; message?: unknown }>)[0];
      const path = typeof first?.path === 'string' ? first.path : '';
      const name = fieldName(path);
      const what = typeof first?.message === 'string' ? first.message : 'it is not valid';
      const field = path.startsWith('patch.') ? path.slice('patch.'.length) : path || null;
      return { text: sentence(name ? `Check ${name}: ${lower(what)}` : `Check what you entered: ${lower(what)}`), details, field };
    }
    if (code && SENTENCES[code]) return { text: SENTENCES[code]!, details, field: null };
    if (code && AS_IS.has(code)) return { text: sentence(message), details: null, field: null };
    if (code === 'internal_error' || (error as { code?: number }).code === -32603) {
      return { text: 'Something went wrong inside Perch. Try again; if it happens again, the details below help when you report it.', details, field: null };
    }
    return { text: sentence(message), details: code ? `(${code})` : null, field: null };
  }
  const message = error instanceof Error ? error.message : String(error);
  if (/failed to fetch|network|websocket/i.test(message)) {
    return { text: 'Perch cannot be reached. Check that it is running; the dashboard reconnects by itself.', details: message, field: null };
  }
  return { text: sentence(message), details: null, field: null };
}

/** The sentence alone, where only text fits (a notification, a title). */
export const messageOf = (error: unknown): string => problemOf(error).text;

function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && 'text' in value && 'details' in value && 'field' in value;
}

function isRpcLike(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { code?: unknown }).code === 'number' && typeof (value as { message?: unknown }).message === 'string';
}
