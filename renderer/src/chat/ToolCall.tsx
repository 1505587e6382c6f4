import type { Message } from '../stores/chat';

// A tool the assistant used: "Used get_time", with its arguments and its answer under a disclosure.

type Call = NonNullable<Message['toolCalls']>[number];

const argsText = (args: unknown) => {
  const text = JSON.stringify(args, null, 2);
  return text === '{}' || text === undefined ? 'No arguments' : text;
};

export function ToolCall({ call, result }: { call: Call; result: string | undefined }) {
  return (
    <details className="chat-tool" data-testid="tool-call">
      <summary>
        Used <code>{call.name}</code>
        {result === undefined ? <span className="muted"> · no answer yet</span> : null}
      </summary>
      <div className="chat-tool-body">
        <p className="chat-tool-label">Arguments</p>
        <pre>{argsText(call.args)}</pre>
        {result !== undefined ? (
          <>
            <p className="chat-tool-label">Answer</p>
            <pre data-testid="message-tool">{result}</pre>
          </>
        ) : null}
      </div>
    </details>
  );
}

/** A tool's answer that no call on screen asked for (its call is on an earlier page). */
export function LooseToolResult({ message }: { message: Message }) {
  return (
    <details className="chat-tool" data-testid="message-tool">
      <summary>A tool answered</summary>
      <div className="chat-tool-body">
        <pre>{message.text}</pre>
      </div>
    </details>
  );
}
