import { spellOut } from '../contract/hidden-text';
import { CHANNEL_TEXT_LIMIT } from './reply-chunks';

// An approval request as chat messages, each within the channel's limit. A long command is shown
// whole, in numbered parts, character for character (unlike a reply, nothing is trimmed at a cut:
// the owner must see exactly what would run), hidden characters spelled out, and a high-risk one
// under a warning. A cut falls after a line break where one is near, else inside the line, marked
// with "…" on both sides. The folder, risk note and approval id come
// last, so the buttons (or the "approve ID" instruction) go with the last part.

export interface OfferedApproval {
  id: string;
  command: string;
  cwd: string;
  risk: string;
  riskLevel?: 'high' | 'caution' | 'none';
}

/** Room kept in each part for its "Part i of n" line. */
const HEADER_ROOM = 24;
const JOIN = ' …';

export function approvalOffer(approval: OfferedApproval, withButtons: boolean, limit = CHANNEL_TEXT_LIMIT): string[] {
  const reply = withButtons ? '' : `\nReply "approve ${approval.id}" to run it or "deny ${approval.id}" to refuse.`;
  // Invisible, bidi and control characters are spelled out: a chat app would hide or apply them.
  const command = spellOut(approval.command);
  const warning = approval.riskLevel === 'high' ? '⚠️ High risk: read every line before approving.\n\n' : '';
  const head = `${warning}Perch wants to run:\n${command}`;
  const where = `\nin ${approval.cwd}\n\n${approval.risk}`;
  const footer = `\n\n(approval ${approval.id})${reply}`;
  if (head.length + where.length + footer.length <= limit) return [head + where + footer];
  const room = limit - HEADER_ROOM;
  // The folder and risk note stay with the buttons unless they are long themselves; the id and
  // the instruction are never cut.
  const together = where.length + footer.length <= room / 2;
  const pieces = splitExactly(together ? head : head + where, room);
  const tail = together ? where + footer : footer;
  if (pieces.at(-1)!.length + tail.length <= room) pieces[pieces.length - 1] += tail;
  else pieces.push(tail);
  return pieces.map((piece, i) => `Part ${i + 1} of ${pieces.length}\n${piece}`);
}

/** Cuts `text` into pieces of at most `room` characters that, with their "…" marks removed, join back to it. */
function splitExactly(text: string, room: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  let continued = false; // the previous piece was cut inside a line
  while (rest.length > 0) {
    const lead = continued ? JOIN.trimStart() + ' ' : '';
    const space = room - lead.length;
    if (rest.length <= space) {
      pieces.push(lead + rest);
      break;
    }
    const window = rest.slice(0, space - JOIN.length);
    const newline = window.lastIndexOf('\n');
    let at: number;
    if (newline >= window.length * 0.75) {
      at = newline + 1;
      continued = false;
    } else {
      at = window.length;
      const code = rest.charCodeAt(at - 1);
      if (code >= 0xd800 && code <= 0xdbff) at--; // never inside a surrogate pair
      continued = true;
    }
    pieces.push(lead + rest.slice(0, at) + (continued ? JOIN : ''));
    rest = rest.slice(at);
  }
  return pieces;
}
