import { useState } from 'react';

// Copies a text, and says so (or says to copy by hand when the browser refuses).

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <>
      <button
        type="button"
        className="secondary"
        onClick={() => {
          if (!navigator.clipboard) return setState('failed');
          navigator.clipboard.writeText(text).then(
            () => setState('copied'),
            () => setState('failed'),
          );
        }}
      >
        {state === 'copied' ? 'Copied' : label}
      </button>
      <span className="muted" role="status">
        {state === 'failed' ? 'Copying was refused: select the text and copy it by hand.' : ''}
      </span>
    </>
  );
}
