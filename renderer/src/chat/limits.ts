import { CHAT_TEXT_MAX } from '../../../main/contract/methods';
import { charactersOf } from './words';

// The composer's limit, shown before sending: a counter from 80 % of it, a refusal past it, and a
// paste far past it refused before it reaches the text box (a huge text would freeze the page).

export const LIMIT = CHAT_TEXT_MAX;
export const COUNTER_FROM = Math.floor(LIMIT * 0.8);
/** A paste that would leave more than this in the composer is refused outright. */
export const PASTE_MAX = LIMIT * 2;

export const counterText = (length: number) => `${length.toLocaleString()} / ${LIMIT.toLocaleString()}`;

export const tooLongText = (length: number) =>
  `This message is ${charactersOf(length)}; a message can be at most ${charactersOf(LIMIT)}. Shorten it by ${charactersOf(length - LIMIT)}, or save the long text as a note in Memory and ask about it.`;

export const pasteRefusedText = (pasted: number) =>
  `That paste was not added: it is ${charactersOf(pasted)}, and a message can be at most ${charactersOf(LIMIT)}. Paste a smaller part, or save the text as a note in Memory and ask about it.`;
