import type { McpCallResult } from './types';

// A tools/call result as text for the model: text parts as they are, everything else named
// (an image, a resource) rather than dumped. The text is the server's, so it stays untrusted.

/** Past this, a result is cut (the model's context is not the place for megabytes). */
const MAX_CHARS = 100_000;

type Part = { type?: unknown; text?: unknown; mimeType?: unknown; data?: unknown; uri?: unknown; name?: unknown; resource?: { uri?: unknown; text?: unknown; mimeType?: unknown } };

function partText(part: Part): string {
  switch (part.type) {
    case 'text':
      return String(part.text ?? '');
    case 'image':
    case 'audio':
      return `[${part.type} ${String(part.mimeType ?? '')}, ${typeof part.data === 'string' ? Math.floor((part.data.length * 3) / 4) : 0} bytes]`;
    case 'resource':
      return typeof part.resource?.text === 'string' ? part.resource.text : `[resource ${String(part.resource?.uri ?? '')}]`;
    case 'resource_link':
      return `[link ${String(part.name ?? '')} ${String(part.uri ?? '')}]`.replace(/\s+]/, ']');
    default:
      return `[${String(part.type)} content]`;
  }
}

export function flattenResult(result: Record<string, unknown>): McpCallResult {
  const isError = result.isError === true;
  let text: string;
  if (Array.isArray(result.content) && result.content.length > 0) text = (result.content as Part[]).map(partText).join('\n');
  else if (result.structuredContent !== undefined) text = JSON.stringify(result.structuredContent);
  else if (result.toolResult !== undefined) text = typeof result.toolResult === 'string' ? result.toolResult : JSON.stringify(result.toolResult);
  else text = '';
  if (text.length > MAX_CHARS) text = `${text.slice(0, MAX_CHARS)}\n[… ${text.length - MAX_CHARS} more characters cut]`;
  return { text, isError };
}
