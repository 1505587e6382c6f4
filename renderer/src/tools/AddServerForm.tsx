import { useState, type FormEvent } from 'react';
import type { ParamsIn } from '../../../main/contract/methods';
import { Card, ErrorText } from '../components/ui';
import { call } from '../stores/session';
import { useAction } from '../use-query';
import { PairRows, pairsOf, type Pair } from './PairRows';

// A new server: a command Perch starts (stdio; the arguments one per line, so spaces need no
// quoting) or the address of a Streamable HTTP server, with its secrets as name = value rows.

type Transport = 'stdio' | 'http';

const argsOf = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);

export function AddServerForm({ onAdded }: { onAdded: () => void }) {
  const [transport, setTransport] = useState<Transport>('stdio');
  const [name, setName] = useState('');
  const [command, setCommand] = useState('');
  const [args, setArgs] = useState('');
  const [cwd, setCwd] = useState('');
  const [url, setUrl] = useState('');
  const [env, setEnv] = useState<Pair[]>([]);
  const [headers, setHeaders] = useState<Pair[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [added, setAdded] = useState<string | null>(null);
  const action = useAction();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setAdded(null);
    const secrets = pairsOf(transport === 'stdio' ? env : headers, transport === 'stdio' ? 'env' : 'headers');
    setProblem(secrets.problem);
    if (secrets.problem) return;
    const params: ParamsIn<'mcp.servers.add'> =
      transport === 'stdio'
        ? { name: name.trim(), transport, command: command.trim(), args: argsOf(args), env: secrets.record, ...(cwd.trim() ? { cwd: cwd.trim() } : {}) }
        : { name: name.trim(), transport, url: url.trim(), headers: secrets.record };
    const ok = await action.run(() => call('mcp.servers.add', params));
    if (!ok) return;
    setAdded(`${name.trim()} was added; it starts now.`);
    setName('');
    setCommand('');
    setArgs('');
    setCwd('');
    setUrl('');
    setEnv([]);
    setHeaders([]);
    onAdded();
  };

  return (
    <Card title="Add a server" testId="mcp-add">
      <form className="form mcp-form" onSubmit={(e) => void submit(e)} aria-label="Add a server">
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. files" required maxLength={64} autoComplete="off" data-testid="mcp-add-name" />
        </label>
        <fieldset className="mcp-fieldset mcp-transport">
          <legend>How Perch reaches it</legend>
          <label className="check">
            <input type="radio" name="mcp-transport" checked={transport === 'stdio'} onChange={() => setTransport('stdio')} /> A command Perch starts (stdio)
          </label>
          <label className="check">
            <input type="radio" name="mcp-transport" checked={transport === 'http'} onChange={() => setTransport('http')} data-testid="mcp-add-http" /> An address (Streamable HTTP)
          </label>
        </fieldset>
        {transport === 'stdio' ? (
          <>
            <label>
              Command
              <input className="mono" value={command} onChange={(e) => setCommand(e.target.value)} placeholder="e.g. npx" required autoComplete="off" spellCheck={false} data-testid="mcp-add-command" />
            </label>
            <label>
              Arguments, one per line
              <textarea className="mono" value={args} onChange={(e) => setArgs(e.target.value)} placeholder={'-y\n@modelcontextprotocol/server-filesystem\n/home/me/Documents'} rows={3} spellCheck={false} data-testid="mcp-add-args" />
            </label>
            <label>
              Working folder (optional)
              <input className="mono" value={cwd} onChange={(e) => setCwd(e.target.value)} autoComplete="off" spellCheck={false} />
            </label>
            <PairRows legend="Environment variables" kind="env" pairs={env} onChange={setEnv} />
          </>
        ) : (
          <>
            <label>
              Address
              <input className="mono" type="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="http://127.0.0.1:3001/mcp" required autoComplete="off" spellCheck={false} data-testid="mcp-add-url" />
            </label>
            <PairRows legend="Headers" kind="headers" pairs={headers} onChange={setHeaders} />
          </>
        )}
        <div className="actions">
          <button type="submit" disabled={action.busy} data-testid="mcp-add-submit">
            Add server
          </button>
        </div>
        <ErrorText error={problem ?? action.error} />
        {added && !action.error ? (
          <p className="muted" role="status">
            {added}
          </p>
        ) : null}
      </form>
    </Card>
  );
}
