// A new chat: a friendly heading and a few prompts to start from (a click puts one in the composer).

const EXAMPLES = [
  'Plan a relaxed Saturday in my city, with a rainy-day backup',
  'Explain how a heat pump works, in a few short paragraphs',
  'Write a shell one-liner that lists the 10 largest files here',
  'Remind me in 20 minutes to take the laundry out',
];

export function EmptyChat({ onPick }: { onPick(text: string): void }) {
  return (
    <div className="chat-empty" data-testid="chat-empty">
      <div className="chat-empty-mark" aria-hidden="true">
        ◆
      </div>
      <h2>What can I help with?</h2>
      <p className="muted">Ask anything. Perch answers with your own model, and everything stays on this computer.</p>
      <ul className="chat-examples" aria-label="Examples to start from">
        {EXAMPLES.map((text) => (
          <li key={text}>
            <button type="button" onClick={() => onPick(text)}>
              {text}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
