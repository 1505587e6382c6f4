import { useEffect, useState } from 'react';
import { stateWords, type ServerView } from './words';

// A server's state: a coloured dot (with a name for screen readers) and a line of words; a
// restart's countdown ticks once a second; anything raw sits under Details.

function useNow(ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [ticking]);
  return now;
}

export function ServerState({ view }: { view: ServerView }) {
  const now = useNow(view.state === 'restarting' && view.nextRetryAt !== null);
  const words = stateWords(view, now);
  return (
    <div className={`mcp-state mcp-state-${words.tone}`} data-testid="mcp-state" data-state={view.enabled ? view.state : 'off'}>
      <span className={`mcp-dot mcp-dot-${words.tone}`} role="img" aria-label={words.label} />
      <div className="mcp-state-words">
        <p>{words.text}</p>
        {words.details ? (
          <details className="error-details">
            <summary>Details</summary>
            <code>{words.details}</code>
          </details>
        ) : null}
      </div>
    </div>
  );
}
