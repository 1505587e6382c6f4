// A reply longer than a channel allows (Telegram: 4,096 characters; we keep to 4,000) goes out in
// several messages, cut where a reader would: between paragraphs, else between lines, else between
// words. A fenced code block is never left open: when a cut falls inside one, the fence is closed at
// the end of the part and reopened (with its language) at the start of the next.

export const CHANNEL_TEXT_LIMIT = 4000;

const FENCE = /^\s{0,3}(```|~~~)(.*)$/;

/** Where to cut `text` so the first part is at most `limit` characters. */
function cutPoint(text: string, limit: number): number {
  if (text.length <= limit) return text.length;
  const window = text.slice(0, limit);
  for (const separator of ['\n\n', '\n', ' ']) {
    const at = window.lastIndexOf(separator);
    // Not so early that the parts become tiny.
    if (at > limit / 4) return at + separator.length;
  }
  // One unbroken run (a long URL, base64): cut it, but never inside a surrogate pair.
  const code = text.charCodeAt(limit - 1);
  return code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit;
}

/** The fence left open at the end of `text`, if any (its opening line, e.g. "```ts"). */
function openFence(text: string, opened: string | null): string | null {
  let fence = opened;
  for (const line of text.split('\n')) {
    const match = FENCE.exec(line);
    if (!match) continue;
    if (fence === null) fence = `${match[1]}${match[2]!.trim()}`;
    else if (match[1] === fence.slice(0, 3) && match[2]!.trim() === '') fence = null;
  }
  return fence;
}

export function chunkReply(text: string, limit = CHANNEL_TEXT_LIMIT): string[] {
  const parts: string[] = [];
  let rest = text.trim();
  let reopen: string | null = null; // the fence to reopen at the start of the next part
  while (rest.length > 0) {
    const prefix = reopen ? `${reopen}\n` : '';
    // Room for the prefix, and for a closing fence if this part ends inside a code block.
    const room = limit - prefix.length - 4;
    const at = rest.length + prefix.length <= limit ? rest.length : cutPoint(rest, room);
    let part = prefix + rest.slice(0, at).trimEnd();
    rest = rest.slice(at).replace(/^\n+/, '');
    const open = openFence(rest.length > 0 ? part : '', null);
    if (open && rest.length > 0) {
      part += `\n${open.slice(0, 3)}`;
      reopen = open;
    } else {
      reopen = null;
    }
    if (part.trim()) parts.push(part);
  }
  return parts;
}
