import { useState } from 'react';
import { Empty, ErrorText } from '../components/ui';
import { call } from '../stores/session';
import { useAction } from '../use-query';
import { usePending } from './use-pending';
import { RULE_WORDS, allowWarning, isReadOnly, type Rule, type ServerView, type ToolView } from './words';

// A server's tools: name, what it does, read-only/destructive badges from its annotations, and
// the rule for it. "Always allow" is offered at once only for read-only tools; for any other
// tool it needs a confirmation that says what it means.

const DEFAULT = '';

function Badges({ tool }: { tool: ToolView }) {
  const { readOnlyHint, destructiveHint } = tool.annotations;
  const [tone, words] = readOnlyHint === true ? ['ok', 'read-only'] : destructiveHint === true ? ['bad', 'destructive'] : destructiveHint === false ? ['warn', 'changes things'] : ['muted', 'not marked'];
  return (
    <span className="mcp-badges">
      <span className={`badge badge-${tone}`}>{words}</span>
      {readOnlyHint === true && destructiveHint === true ? <span className="badge badge-bad">destructive</span> : null}
    </span>
  );
}

function ToolRow({ tool, server, onSaved }: { tool: ToolView; server: ServerView; onSaved: () => void }) {
  const action = useAction();
  const [confirming, setConfirming] = useState(false);
  const shown = usePending<Rule | null>(tool.rule);
  const save = (rule: Rule | null) => {
    shown.choose(rule);
    setConfirming(false);
    void action
      .run(() => call('mcp.servers.update', { id: server.id, patch: { tools: { [tool.name]: rule } } }))
      .then((ok) => {
        if (!ok) shown.reset();
        onSaved();
      });
  };
  const choose = (value: string) => {
    if (value === 'allow' && !isReadOnly(tool)) return setConfirming(true);
    save(value === DEFAULT ? null : (value as Rule));
  };
  const selectId = `mcp-rule-${server.id}-${tool.name}`;
  return (
    <li className="mcp-tool" data-testid={`mcp-tool-${tool.name}`}>
      <div className="mcp-tool-head">
        <code className="mcp-tool-name">{tool.name}</code>
        {tool.title && tool.title !== tool.name ? <span>{tool.title}</span> : null}
        <Badges tool={tool} />
      </div>
      {tool.description ? <p className="mcp-tool-description">{tool.description}</p> : null}
      <div className="mcp-tool-rule">
        <label htmlFor={selectId}>Rule for {tool.name}</label>
        <select id={selectId} value={shown.shown ?? DEFAULT} disabled={action.busy || confirming} onChange={(e) => choose(e.target.value)} data-testid={`mcp-rule-${tool.name}`}>
          <option value={DEFAULT}>Server’s rule ({RULE_WORDS[server.rule]})</option>
          <option value="ask">{RULE_WORDS.ask}</option>
          <option value="allow">{isReadOnly(tool) || tool.rule === 'allow' ? RULE_WORDS.allow : `${RULE_WORDS.allow}…`}</option>
          <option value="block">{RULE_WORDS.block}</option>
        </select>
        {tool.effective !== (tool.rule ?? server.rule) ? <span className="muted small">Now: {RULE_WORDS[tool.effective]}</span> : null}
      </div>
      {confirming ? (
        <div className="mcp-confirm" role="group" aria-label={`Always allow ${tool.name}?`} data-testid={`mcp-confirm-${tool.name}`}>
          <p>{allowWarning(tool)} Allow it anyway?</p>
          <div className="actions">
            <button type="button" className="danger" autoFocus disabled={action.busy} onClick={() => save('allow')}>
              Allow without asking
            </button>
            <button type="button" className="secondary" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        </div>
      ) : null}
      <ErrorText error={action.error} />
    </li>
  );
}

export function ToolRows({ server, tools, onSaved }: { server: ServerView; tools: ToolView[]; onSaved: () => void }) {
  if (tools.length === 0) return <Empty title="This server offers no tools">It is running but lists no tools yet; they show up here when it announces some.</Empty>;
  return (
    <ul className="mcp-tools" aria-label={`Tools of ${server.name}`}>
      {tools.map((tool) => (
        <ToolRow key={tool.name} tool={tool} server={server} onSaved={onSaved} />
      ))}
    </ul>
  );
}
