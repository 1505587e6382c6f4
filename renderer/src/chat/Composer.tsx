import { forwardRef, useEffect, useImperativeHandle, useLayoutEffect, useRef, useState, type ClipboardEvent, type FormEvent, type KeyboardEvent } from 'react';
import { useChat } from '../stores/chat';
import { COUNTER_FROM, counterText, LIMIT, PASTE_MAX, pasteRefusedText, tooLongText } from './limits';

// Where the owner writes: Enter sends, Shift+Enter starts a new line, Esc stops a reply, Up in an
// empty box edits the last message. Send becomes Stop while a reply is written. The text is never
// lost: a refusal keeps it, and a failed send puts it back.

export interface ComposerHandle {
  focus(): void;
  fill(text: string): void;
}

const MAX_HEIGHT_VH = 0.4;

let keptDraft = '';

export const Composer = forwardRef<ComposerHandle, { onEditLast: (() => boolean) | null }>(function Composer({ onEditLast }, ref) {
  const running = useChat((s) => s.running);
  const { send, stop } = useChat.getState();
  // The draft outlives a remount (the pane swaps the composer out while a wiped conversation
  // gives way to a new chat): text given back after a failed send is never lost.
  const [text, setText] = useState(() => keptDraft);
  useEffect(() => {
    keptDraft = text;
  }, [text]);
  const [note, setNote] = useState<string | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  const length = text.trim().length;
  const over = length > LIMIT;

  useImperativeHandle(ref, () => ({
    focus: () => area.current?.focus(),
    fill: (value) => {
      setText(value);
      setNote(null);
      requestAnimationFrame(() => area.current?.focus());
    },
  }));
  // Grows with its text up to 40 % of the window, then scrolls.
  useLayoutEffect(() => {
    const el = area.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight + 2, window.innerHeight * MAX_HEIGHT_VH)}px`;
  }, [text]);

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    if (running) return;
    const value = text.trim();
    if (!value) return;
    if (value.length > LIMIT) return setNote(tooLongText(value.length));
    setNote(null);
    setText('');
    if (!(await send(value))) setText((now) => (now.trim() ? `${value}\n${now}` : value));
  };
  const onKey = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.nativeEvent.isComposing) return; // an input method is composing a character
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      void submit();
    } else if (event.key === 'Escape' && running) {
      event.preventDefault();
      void stop();
    } else if (event.key === 'ArrowUp' && !text && onEditLast?.()) {
      event.preventDefault();
    }
  };
  const onPaste = (event: ClipboardEvent<HTMLTextAreaElement>) => {
    const pasted = event.clipboardData.getData('text/plain');
    const el = event.currentTarget;
    const after = text.length - (el.selectionEnd - el.selectionStart) + pasted.length;
    if (after <= PASTE_MAX) return;
    event.preventDefault();
    setNote(pasteRefusedText(pasted.length));
  };

  const shown = length >= COUNTER_FROM;
  return (
    <form className="chat-composer" onSubmit={(e) => void submit(e)} data-testid="composer">
      <div className={`chat-composer-box${over ? ' over' : ''}`}>
        <label htmlFor="chat-input" className="visually-hidden">
          Message to Perch
        </label>
        <textarea
          id="chat-input"
          ref={area}
          rows={1}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            if (note && e.target.value.trim().length <= LIMIT) setNote(null);
          }}
          onKeyDown={onKey}
          onPaste={onPaste}
          placeholder="Message Perch"
          aria-describedby="chat-composer-hint chat-composer-count chat-composer-note"
          aria-invalid={over || undefined}
          data-testid="chat-input"
        />
        {running ? (
          <button type="button" className="chat-send chat-stop" onClick={() => void stop()} data-testid="stop">
            Stop
          </button>
        ) : (
          <button type="submit" className="chat-send" disabled={!length} data-testid="send">
            Send
          </button>
        )}
      </div>
      <div className="chat-composer-foot">
        <span id="chat-composer-hint" className="muted">
          {running ? 'Esc stops the reply' : 'Enter sends · Shift+Enter new line'}
        </span>
        <span id="chat-composer-count" className={over ? 'chat-count over' : 'chat-count'} data-testid="composer-count">
          {shown ? counterText(length) : ''}
        </span>
      </div>
      <p id="chat-composer-note" className="chat-note" role="alert" data-testid="composer-note" hidden={!note}>
        {note}
      </p>
    </form>
  );
});
