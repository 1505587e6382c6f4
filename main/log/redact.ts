// Scrubs what must never reach a log: secrets we know (registered at runtime), things shaped
// like tokens and keys, email addresses and phone numbers. Applied to messages and to every
// string inside structured fields.

const known = new Set<string>();

/** Registers a secret value (gateway token, API key…) so it is redacted wherever it appears. */
export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 8) known.add(value);
}

const SECRET_KEY = /(token|secret|password|passwd|api[-_]?key|authorization|cookie|session)$/i;

const patterns: Array<[RegExp, string]> = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]'],
  [/\bsk-[A-Za-z0-9_-]{16,}\b/g, '[redacted-key]'],
  [/\b\d{6,12}:[A-Za-z0-9_-]{30,}\b/g, '[redacted-token]'], // Telegram bot tokens
  [/\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g, '[email]'],
  [/\b\d{7,15}@(s\.whatsapp\.net|c\.us|lid)\b/g, '[phone]@$1'], // WhatsApp JIDs
  [/(?<![\w.:/-])\+\d[\d ()-]{6,18}\d\b/g, '[phone]'], // international numbers
];

export function redactText(text: string): string {
  let out = text;
  for (const secret of known) if (out.includes(secret)) out = out.split(secret).join('[redacted]');
  for (const [pattern, replacement] of patterns) out = out.replace(pattern, replacement);
  return out;
}

export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 6) return '[truncated]'; // never pass on what was not inspected
  if (value instanceof Error) {
    return { name: value.name, message: redactText(value.message), stack: value.stack ? redactText(value.stack) : undefined };
  }
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && v !== null && v !== undefined && typeof v !== 'boolean' ? '[redacted]' : redactValue(v, depth + 1);
  }
  return out;
}
