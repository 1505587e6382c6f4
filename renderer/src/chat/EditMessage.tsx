import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { CHAT_TEXT_MAX } from '../../../main/contract/methods';
import { charactersOf } from './words';

// The inline editor for the owner's last message: Save & send answers it again (the old reply is
// replaced), Esc or Cancel leaves it as it was.

export function EditMessage({ initial, onSave, onCancel }: { initial: string; onSave(text: string): Promise<boolean>; onCancel(): void }) {
  const [text, setText] = useState(initial);
  const [note, setNote] = useState<string | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const el = area.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);
  const save = async () => {
    const value = text.trim();
    if (!value) return setNote('The message is empty. Write something, or press Cancel.');
    if (value.length > CHAT_TEXT_MAX) return setNote(`This is ${charactersOf(value.length)}; a message can be at most ${charactersOf(CHAT_TEXT_MAX)}. Shorten it, then send.`);
    setNote(null);
    // On failure the editor stays open with the text (the store shows why).
    await onSave(value);
  };
  const onKey = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      onCancel();
    } else if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void save();
    }
  };
  return (
    <div className="chat-edit" data-testid="edit-message">
      <label className="visually-hidden" htmlFor="chat-edit-text">
        Edit your message
      </label>
      <textarea id="chat-edit-text" ref={area} value={text} onChange={(e) => setText(e.target.value)} onKeyDown={onKey} rows={Math.min(10, text.split('\n').length + 1)} />
      {note ? (
        <p className="chat-note" role="alert">
          {note}
        </p>
      ) : null}
      <div className="chat-edit-actions">
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" onClick={() => void save()}>
          Save &amp; send
        </button>
      </div>
    </div>
  );
}
