import { mcpEnvSchema, mcpHeadersSchema } from '../../../main/contract/mcp';

// Rows of name = value for a new server's environment variables or HTTP headers. The values are
// secrets: typed into password fields, sent once with the server, and afterwards only the names
// come back (shown as "saved").

export interface Pair {
  key: number;
  name: string;
  value: string;
}

/** The contract's own rules for the names (one declaration). */
export const isEnvName = (name: string) => mcpEnvSchema.keyType.safeParse(name).success;
export const isHeaderName = (name: string) => mcpHeadersSchema.keyType.safeParse(name).success;

let next = 1;
export const newPair = (): Pair => ({ key: next++, name: '', value: '' });

/** The filled rows as a record; the first bad name as a sentence. */
export function pairsOf(pairs: Pair[], kind: 'env' | 'headers'): { record: Record<string, string>; problem: string | null } {
  const record: Record<string, string> = {};
  for (const pair of pairs) {
    const name = pair.name.trim();
    if (!name && !pair.value) continue;
    if (kind === 'env' && !isEnvName(name)) return { record, problem: `“${name || '(empty)'}” cannot be an environment variable name: use letters, digits and _, such as API_KEY.` };
    if (kind === 'headers' && !isHeaderName(name)) return { record, problem: `“${name || '(empty)'}” cannot be a header name: use a name such as Authorization.` };
    if (Object.hasOwn(record, name)) return { record, problem: `${name} is there twice; keep one.` };
    record[name] = pair.value;
  }
  return { record, problem: null };
}

export function PairRows({ legend, kind, pairs, onChange }: { legend: string; kind: 'env' | 'headers'; pairs: Pair[]; onChange: (pairs: Pair[]) => void }) {
  const set = (key: number, change: Partial<Pair>) => onChange(pairs.map((p) => (p.key === key ? { ...p, ...change } : p)));
  const noun = kind === 'env' ? 'variable' : 'header';
  return (
    <fieldset className="mcp-fieldset" data-testid={`mcp-${kind}-rows`}>
      <legend>{legend}</legend>
      {pairs.map((pair, i) => (
        <div className="mcp-pair" key={pair.key}>
          <label htmlFor={`pair-${pair.key}-name`}>{kind === 'env' ? `Variable ${i + 1} name` : `Header ${i + 1} name`}</label>
          <input id={`pair-${pair.key}-name`} value={pair.name} onChange={(e) => set(pair.key, { name: e.target.value })} placeholder={kind === 'env' ? 'API_KEY' : 'Authorization'} autoComplete="off" spellCheck={false} />
          <label htmlFor={`pair-${pair.key}-value`}>Value</label>
          <input id={`pair-${pair.key}-value`} type="password" value={pair.value} onChange={(e) => set(pair.key, { value: e.target.value })} autoComplete="new-password" />
          <button type="button" className="secondary small-button" onClick={() => onChange(pairs.filter((p) => p.key !== pair.key))} aria-label={`Remove ${noun} ${i + 1}`}>
            Remove
          </button>
        </div>
      ))}
      <button type="button" className="secondary small-button" onClick={() => onChange([...pairs, newPair()])}>
        Add a {noun}
      </button>
      <p className="muted small">Values are kept in this computer’s secret store and never shown again; only the names are.</p>
    </fieldset>
  );
}
