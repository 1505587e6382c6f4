import { useEffect, useRef, useState } from 'react';

// Copies text to the clipboard and says so for a moment ("Copied"), or that it could not.

const SHOWN_MS = 1_600;

export function CopyButton({ text, label, className = 'chat-icon-button' }: { text: () => string; label: string; className?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  const copy = () => {
    const done = (next: 'copied' | 'failed') => {
      setState(next);
      if (timer.current) clearTimeout(timer.current);
      timer.current = setTimeout(() => setState('idle'), SHOWN_MS);
    };
    // The clipboard is missing on plain-HTTP pages other than localhost: say so instead of failing silently.
    if (!navigator.clipboard) return done('failed');
    navigator.clipboard.writeText(text()).then(
      () => done('copied'),
      () => done('failed'),
    );
  };
  return (
    <button type="button" className={className} onClick={copy} aria-label={state === 'idle' ? label : undefined}>
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : 'Copy'}
      <span className="visually-hidden" role="status">
        {state === 'copied' ? 'Copied to the clipboard' : state === 'failed' ? 'The clipboard is not available here' : ''}
      </span>
    </button>
  );
}
