import { useState, type FormEvent } from 'react';
import { Card, ErrorText } from '../components/ui';
import { call } from '../stores/session';
import { useAction } from '../use-query';

// Servers from the standard {"mcpServers": {...}} JSON that Claude Desktop and LM Studio use.
// The JSON is checked here first, so a typo is named at once; Perch names a server it cannot use
// (and then adds none of them).

const EXAMPLE = `{
  "mcpServers": {
    "files": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/home/me/Documents"] },
    "search": { "url": "https://example.com/mcp", "headers": { "Authorization": "Bearer …" } }
  }
}`;

/** A sentence for JSON that does not parse or has no mcpServers; null when it looks right. */
function shapeProblem(text: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const where = /position (\d+)/.exec(String(error))?.[1];
    const line = where ? text.slice(0, Number(where)).split('\n').length : null;
    return `This is not valid JSON${line ? ` (look at line ${line})` : ''}. Paste the whole file, starting with { and ending with }.`;
  }
  const servers = (value as { mcpServers?: unknown } | null)?.mcpServers;
  if (typeof servers !== 'object' || servers === null || Array.isArray(servers)) return 'There is no "mcpServers" object in it. It should look like the example: {"mcpServers": {"name": {"command": …}}}.';
  if (Object.keys(servers).length === 0) return '"mcpServers" is empty: there is no server to add.';
  return null;
}

export function ImportForm({ onImported }: { onImported: () => void }) {
  const [json, setJson] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [result, setResult] = useState<{ added: string[]; skipped: Array<{ name: string; reason: string }> } | null>(null);
  const action = useAction();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setResult(null);
    const bad = shapeProblem(json);
    setProblem(bad);
    if (bad) return;
    await action.run(async () => {
      const answer = await call('mcp.servers.import', { json });
      setResult(answer);
      if (answer.added.length) setJson('');
      onImported();
    });
  };
  return (
    <Card title="Import servers" testId="mcp-import">
      <form className="form" onSubmit={(e) => void submit(e)} aria-label="Import servers">
        <label>
          The mcpServers JSON (from Claude Desktop, LM Studio, or a server’s instructions)
          <textarea className="mono mcp-json" value={json} onChange={(e) => setJson(e.target.value)} placeholder={EXAMPLE} rows={8} spellCheck={false} aria-invalid={problem ? true : undefined} data-testid="mcp-import-json" />
        </label>
        <p className="muted small">Secrets in “env” and “headers” go to this computer’s secret store; only their names are shown afterwards.</p>
        <div className="actions">
          <button type="submit" disabled={action.busy || !json.trim()} data-testid="mcp-import-submit">
            Import
          </button>
        </div>
        <ErrorText error={problem ?? action.error} />
        {result ? (
          <div role="status" data-testid="mcp-import-result">
            <p>{result.added.length ? `Added: ${result.added.join(', ')}.` : 'Nothing new was added.'}</p>
            {result.skipped.length ? (
              <ul className="mcp-skipped">
                {result.skipped.map((s) => (
                  <li key={s.name}>
                    {s.name}: {s.reason}
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
        ) : null}
      </form>
    </Card>
  );
}
