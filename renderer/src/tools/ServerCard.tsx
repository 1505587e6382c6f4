import { useState } from 'react';
import { Card, ErrorText } from '../components/ui';
import { call } from '../stores/session';
import { useAction } from '../use-query';
import { plural } from '../words';
import { SavedSecrets } from './SavedSecrets';
import { ServerState } from './ServerState';
import { ToolRows } from './ToolRows';
import { usePending } from './use-pending';
import { launchLine, type Rule, type ServerView, type ToolView } from './words';

// One MCP server: its state, how it is started, Restart / Enable or Disable / Remove (after a
// confirmation), the rule for its tools, whether contacts get them, its secrets' names and
// its tools with their own rules.

/** "13 tools · 2 with a rule of their own". */
function toolsSummary(tools: ToolView[]): string {
  const own = tools.filter((t) => t.rule !== null).length;
  return `${plural(tools.length, 'tool')}${own ? ` · ${own} with a rule of ${own === 1 ? 'its' : 'their'} own` : ''}`;
}

const SERVER_RULES: Array<[Rule, string]> = [
  ['ask', 'Ask every time'],
  ['allow', 'Allow read-only tools, ask for the rest'],
  ['block', 'Block all its tools'],
];

function Actions({ server, onChanged }: { server: ServerView; onChanged: () => void }) {
  const action = useAction();
  const [confirming, setConfirming] = useState(false);
  const act = (what: () => Promise<unknown>) =>
    void action.run(async () => {
      await what();
      onChanged();
    });
  return (
    <>
      {confirming ? (
        <div className="mcp-confirm" role="group" aria-label={`Remove ${server.name}?`}>
          <p>Remove “{server.name}”? Perch stops it and forgets its rules and saved secrets.</p>
          <div className="actions">
            <button type="button" className="danger" autoFocus disabled={action.busy} onClick={() => act(() => call('mcp.servers.remove', { id: server.id }))}>
              Remove
            </button>
            <button type="button" className="secondary" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        </div>
      ) : (
        <div className="actions mcp-actions">
          <button type="button" className="secondary" disabled={action.busy || !server.enabled} onClick={() => act(() => call('mcp.servers.restart', { id: server.id }))}>
            Restart
          </button>
          <button type="button" className="secondary" disabled={action.busy} onClick={() => act(() => call('mcp.servers.update', { id: server.id, patch: { enabled: !server.enabled } }))}>
            {server.enabled ? 'Disable' : 'Enable'}
          </button>
          <button type="button" className="danger" disabled={action.busy} onClick={() => setConfirming(true)}>
            Remove
          </button>
        </div>
      )}
      <ErrorText error={action.error} />
    </>
  );
}

function Rules({ server, onChanged }: { server: ServerView; onChanged: () => void }) {
  const action = useAction();
  const rule = usePending(server.rule);
  const contacts = usePending(server.contacts);
  const update = (patch: { rule?: Rule; contacts?: boolean }) => {
    if (patch.rule) rule.choose(patch.rule);
    if (patch.contacts !== undefined) contacts.choose(patch.contacts);
    void action
      .run(() => call('mcp.servers.update', { id: server.id, patch }))
      .then((ok) => {
        if (!ok) {
          rule.reset();
          contacts.reset();
        }
        onChanged();
      });
  };
  const ruleId = `mcp-server-rule-${server.id}`;
  return (
    <div className="mcp-rules">
      <div className="mcp-rule-field">
        <label htmlFor={ruleId}>When the assistant wants one of its tools</label>
        <select id={ruleId} value={rule.shown} disabled={action.busy} onChange={(e) => update({ rule: e.target.value as Rule })} data-testid="mcp-server-rule">
          {SERVER_RULES.map(([value, words]) => (
            <option key={value} value={value}>
              {words}
            </option>
          ))}
        </select>
        <p className="muted small">A tool’s own rule below wins, except Block here, which stops every tool of this server. Every call that asks shows its full arguments for you to approve.</p>
      </div>
      <div className="mcp-rule-field">
        <label className="check">
          <input type="checkbox" checked={contacts.shown} disabled={action.busy} onChange={(e) => update({ contacts: e.target.checked })} data-testid="mcp-contacts" />
          Contacts may use these tools
        </label>
        <p className={contacts.shown ? 'mcp-warning small' : 'muted small'}>
          {contacts.shown
            ? 'On: chats with other people on Telegram or WhatsApp can make the assistant call these tools too. What they write may try to misuse them; keep Ask every time for anything that matters.'
            : 'Off: only your own chats get these tools. Turning it on lets messages from other people lead the assistant to call them.'}
        </p>
      </div>
      <ErrorText error={action.error} />
    </div>
  );
}

export function ServerCard({ server, tools, onChanged }: { server: ServerView; tools: ToolView[]; onChanged: () => void }) {
  return (
    <Card title={server.name} testId={`mcp-server-${server.name}`} actions={<Actions server={server} onChanged={onChanged} />}>
      <ServerState view={server} />
      <p className="mcp-launch">
        <span className="muted">{server.transport === 'http' ? 'Address' : 'Command'}: </span>
        <code>{launchLine(server)}</code>
      </p>
      <Rules server={server} onChanged={onChanged} />
      <SavedSecrets server={server} onSaved={onChanged} />
      {server.state === 'ready' && server.enabled ? (
        <details className="mcp-disclosure" data-testid="mcp-tools">
          <summary>
            <h3>{toolsSummary(tools)}</h3>
          </summary>
          <ToolRows server={server} tools={tools} onSaved={onChanged} />
        </details>
      ) : null}
    </Card>
  );
}
