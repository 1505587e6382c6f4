import { plural } from '../../words';
import { useId } from 'react';
import type { Result } from '../../../../main/contract/methods';
import { Badge, Empty } from '../../components/ui';
import type { View } from '../paths';
import { InUse, UseButtons, type OnUse } from './use-model';

// A local Ollama found by models.list, and its models to use.

function OllamaModelRow({ name, url, view, busy, onUse }: { name: string; url: string; view: View; busy: boolean; onUse: OnUse }) {
  const nameId = useId();
  const spec = `ollama:${name}@${url}`;
  return (
    <li>
      <span className="grow">
        <code id={nameId}>{name}</code>
      </span>
      <InUse spec={spec} view={view} />
      <UseButtons spec={spec} view={view} describedBy={nameId} busy={busy} onUse={onUse} />
    </li>
  );
}

export function OllamaModels({ list, view, busy, onUse }: { list: Result<'models.list'>; view: View; busy: boolean; onUse: OnUse }) {
  const ollama = list.ollama;
  if (!ollama) return <Empty title="No local Ollama found">Perch looks for Ollama at 127.0.0.1:11434. Install it from ollama.com, pull a model, then press Refresh to use it here.</Empty>;
  const n = ollama.models.length;
  return (
    <div data-testid="ollama-found">
      <p>
        <Badge state="ok" label="found" /> Ollama answers at <code>{ollama.url}</code>
        {n ? `, with ${plural(n, 'model')}.` : ', but has no models yet.'}
      </p>
      {n === 0 ? (
        <Empty title="Ollama has no models">
          Pull one in a terminal, e.g. <code>ollama pull qwen2.5:1.5b</code>, then press Refresh.
        </Empty>
      ) : (
        <ul className="rows settings-model-rows">
          {ollama.models.map((name) => (
            <OllamaModelRow key={name} name={name} url={ollama.url} view={view} busy={busy} onUse={onUse} />
          ))}
        </ul>
      )}
    </div>
  );
}
