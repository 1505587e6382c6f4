import { useEffect, useId, useState, type FormEvent } from 'react';
import type { Result } from '../../../main/contract/methods';
import { ErrorText } from '../components/ui';
import type { Problem } from '../problems';
import { call, problemOf } from '../stores/session';
import { useChoice } from './choose';
import { Field } from './Field';

// A local (or nearby) Ollama: the models the core found at its usual address, or at the address
// typed in (asked through models.test, which reads the server's own list), one picked and tested.

const DEFAULT_URL = 'http://127.0.0.1:11434';
/** models.test needs a model name; this one asks only for the server's list. */
const LIST_ONLY = '_list_';

type Listing = Result<'models.list'> | null;

export function OllamaChoice({ list }: { list: Listing }) {
  const detected = list?.ollama ?? null;
  const [url, setUrl] = useState(detected?.url ?? DEFAULT_URL);
  const [found, setFound] = useState<{ url: string; models: string[] } | null>(detected);
  const [picked, setPicked] = useState<string>('');
  const [looking, setLooking] = useState(false);
  const [urlProblem, setUrlProblem] = useState<Problem | null>(null);
  const choice = useChoice();
  const groupId = useId();

  useEffect(() => {
    if (detected) {
      setFound((now) => now ?? detected);
      setUrl((now) => (now === DEFAULT_URL ? detected.url : now));
    }
  }, [detected]);
  useEffect(() => {
    if (found && !found.models.includes(picked)) setPicked(found.models[0] ?? '');
  }, [found, picked]);

  const look = async (event: FormEvent) => {
    event.preventDefault();
    const address = url.trim().replace(/\/+$/, '');
    setLooking(true);
    setUrlProblem(null);
    choice.clear();
    try {
      const result = await call('models.test', { spec: `ollama:${LIST_ONLY}@${address}` });
      if (result.models.length) setFound({ url: address, models: result.models });
      else {
        setFound(null);
        const empty = /has no models/i.test(result.detail);
        setUrlProblem({ text: empty ? `Ollama at ${address} has no models yet. Get one with “ollama pull llama3.2:3b”, then look again.` : result.detail, details: null, field: 'url' });
      }
    } catch (error) {
      setFound(null);
      setUrlProblem(problemOf(error));
    } finally {
      setLooking(false);
    }
  };

  const chosenSpec = found && picked ? `ollama:${picked}@${found.url}` : null;
  return (
    <section className="setup-card" aria-labelledby="setup-ollama" data-testid="setup-ollama">
      <h4 id="setup-ollama">Use Ollama</h4>
      <p className="setup-lead">If Ollama runs on this computer or your network, Perch can use its models.</p>
      {list && !found && !urlProblem ? (
        <p className="setup-help" data-testid="ollama-missing">
          Not found at {DEFAULT_URL} — install Ollama or enter its address.
        </p>
      ) : null}
      <form className="setup-form setup-inline" onSubmit={(e) => void look(e)}>
        <Field label="Ollama address" value={url} onValue={setUrl} inputMode="url" spellCheck={false} autoComplete="off" problem={urlProblem} data-testid="ollama-url" />
        <div className="setup-actions">
          <button type="submit" className="secondary" disabled={looking || !url.trim()}>
            {looking ? 'Looking…' : 'Look for models'}
          </button>
        </div>
      </form>
      {found && found.models.length ? (
        <form
          className="setup-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (chosenSpec) void choice.use(chosenSpec);
          }}
        >
          <fieldset className="setup-choices" aria-describedby={`${groupId}-where`}>
            <legend>Models at Ollama</legend>
            <p id={`${groupId}-where`} className="setup-help">
              Found at {found.url}
            </p>
            {found.models.map((name) => (
              <label key={name} className="setup-choice">
                <input type="radio" name={groupId} value={name} checked={picked === name} onChange={() => setPicked(name)} />
                <span>{name}</span>
              </label>
            ))}
          </fieldset>
          <ErrorText error={choice.problem} />
          <div className="setup-actions">
            <button type="submit" disabled={!chosenSpec || choice.busy !== null}>
              {choice.busy ? 'Checking…' : 'Use this model'}
            </button>
          </div>
        </form>
      ) : null}
    </section>
  );
}
