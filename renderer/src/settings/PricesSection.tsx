import { useState, type FormEvent } from 'react';
import { Card, Empty, ErrorText } from '../components/ui';
import { useAction } from '../use-query';
import type { View } from './paths';
import { saveSettings } from './SettingsForm';

// Prices per million tokens by provider:model, for the Usage page's cost estimates. A saved price
// can be changed but not removed (a settings patch merges into the stored prices).

interface PriceRow {
  key: string;
  input: string;
  output: string;
  saved: boolean;
}

function check(rows: PriceRow[]): { prices: Record<string, { input: number; output: number }> } | { problem: string } {
  const prices: Record<string, { input: number; output: number }> = {};
  for (const r of rows) {
    const key = r.key.trim();
    if (!key && !r.input.trim() && !r.output.trim()) continue;
    const input = Number(r.input);
    const output = Number(r.output);
    if (!/^[^:\s]+:.+$/.test(key)) return { problem: `Write the model as provider:model, e.g. openai:gpt-4o-mini (not “${key}”).` };
    if (r.input.trim() === '' || r.output.trim() === '' || !Number.isFinite(input) || !Number.isFinite(output)) return { problem: `Enter both prices for ${key} as numbers.` };
    if (prices[key]) return { problem: `${key} is listed twice: keep one row for it.` };
    prices[key] = { input, output };
  }
  return { prices };
}

export function PricesSection({ view, onSaved }: { view: View; onSaved: () => void }) {
  const action = useAction();
  const [rows, setRows] = useState<PriceRow[] | null>(null);
  const [local, setLocal] = useState<string | null>(null);
  const stored = Object.entries(view.settings.usage.prices).map(([key, p]) => ({ key, input: String(p.input), output: String(p.output), saved: true }));
  const shown = rows ?? stored;
  const change = (i: number, part: Partial<PriceRow>) => setRows(shown.map((r, j) => (j === i ? { ...r, ...part } : r)));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const checked = check(shown);
    if ('problem' in checked) return setLocal(checked.problem);
    setLocal(null);
    const ok = await action.run(async () => {
      await saveSettings({ usage: { prices: checked.prices } });
      onSaved();
    });
    if (ok) setRows(null);
  };

  return (
    <Card title="Usage prices" testId="settings-prices">
      <p className="muted">
        US dollars per million tokens, by provider and model as the Usage page lists them (e.g. <code>openai:gpt-4o-mini</code>). Usage without a price has no cost estimate.
      </p>
      <form className="form" onSubmit={(e) => void submit(e)} noValidate>
        {shown.length === 0 ? (
          <Empty title="No prices set">Local models cost nothing; add a price for a paid endpoint to see cost estimates.</Empty>
        ) : (
          <div className="table-wrap" tabIndex={0} role="region" aria-label="Prices">
            <table className="grid">
              <thead>
                <tr>
                  <th scope="col">Provider:model</th>
                  <th scope="col">Input $ / M tokens</th>
                  <th scope="col">Output $ / M tokens</th>
                  <th scope="col">
                    <span className="visually-hidden">Remove</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {shown.map((r, i) => (
                  <tr key={i}>
                    <td>{r.saved ? <code>{r.key}</code> : <input aria-label={`Provider and model, row ${i + 1}`} value={r.key} onChange={(e) => change(i, { key: e.target.value })} placeholder="openai:gpt-4o-mini" spellCheck={false} />}</td>
                    <td>
                      <input aria-label={`Input price for ${r.key || `row ${i + 1}`}`} type="number" min={0} step="any" value={r.input} onChange={(e) => change(i, { input: e.target.value })} />
                    </td>
                    <td>
                      <input aria-label={`Output price for ${r.key || `row ${i + 1}`}`} type="number" min={0} step="any" value={r.output} onChange={(e) => change(i, { output: e.target.value })} />
                    </td>
                    <td>
                      {r.saved ? null : (
                        <button type="button" className="secondary" onClick={() => setRows(shown.filter((_, j) => j !== i))}>
                          Remove
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <div className="actions">
          <button type="button" className="secondary" onClick={() => setRows([...shown, { key: '', input: '', output: '', saved: false }])}>
            Add a price
          </button>
          <button type="submit" disabled={rows === null || action.busy}>
            Save prices
          </button>
          {rows !== null ? (
            <button type="button" className="secondary" onClick={() => (setRows(null), setLocal(null))}>
              Discard changes
            </button>
          ) : null}
        </div>
        <p className="hint">A saved price can be changed but not removed here; set it to 0 to count that model as free.</p>
        <ErrorText error={local ?? action.error} />
      </form>
    </Card>
  );
}
