import { useId, useState, type FormEvent } from 'react';
import { ErrorText } from '../components/ui';
import type { Problem } from '../problems';
import { useChoice } from './choose';
import { Field } from './Field';

// Any OpenAI-compatible endpoint (OpenAI itself, a llama.cpp or vLLM server, a hosted provider):
// its address, the model's name and the API key. The key goes to the keychain with secrets.set,
// never into the settings; "Test connection" asks the endpoint before anything is saved.

function fieldOf(problem: Problem | null): 'key' | 'base' | 'name' | null {
  if (!problem) return null;
  if (problem.field === 'value' || /API key/i.test(problem.text)) return 'key';
  if (/Nothing answers at|address|does not answer as/i.test(problem.text)) return 'base';
  if (/does not offer|name of the model/i.test(problem.text)) return 'name';
  return null;
}

export function OpenAIChoice() {
  const [base, setBase] = useState('');
  const [name, setName] = useState('');
  const [key, setKey] = useState('');
  const [testedWith, setTestedWith] = useState<string | null>(null);
  const choice = useChoice();
  const listId = useId();

  const spec = `openai:${name.trim()}@${base.trim().replace(/\/+$/, '')}`;
  const inputs = `${spec}\n${key}`;
  const complete = Boolean(base.trim() && name.trim());
  const passed = choice.tested?.ok && testedWith === inputs;
  const edit = (set: (value: string) => void) => (value: string) => {
    set(value);
    if (choice.tested || choice.problem) choice.clear();
  };

  const test = async () => {
    setTestedWith(inputs);
    await choice.test(spec, key.trim() || undefined);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (complete) void choice.use(spec, { ...(key.trim() ? { apiKey: key.trim() } : {}), skipTest: Boolean(passed) });
  };
  // A failed test belongs beside the field it is about (the core's sentences name it).
  const about = fieldOf(choice.problem);
  const keyProblem = about === 'key' ? choice.problem : null;
  const baseProblem = about === 'base' ? choice.problem : null;
  const nameProblem = about === 'name' ? choice.problem : null;
  const models = choice.tested?.models ?? [];

  return (
    <section className="setup-card" aria-labelledby="setup-openai" data-testid="setup-openai">
      <h4 id="setup-openai">Use an OpenAI-compatible service</h4>
      <p className="setup-lead">OpenAI, or any server that speaks its API. What you say is sent to that service.</p>
      <form className="setup-form" onSubmit={submit}>
        <Field label="Base URL" value={base} onValue={edit(setBase)} placeholder="https://api.openai.com/v1" inputMode="url" spellCheck={false} autoComplete="off" problem={baseProblem} data-testid="openai-base" />
        <Field label="Model name" value={name} onValue={edit(setName)} placeholder="e.g. gpt-4o-mini" spellCheck={false} autoComplete="off" list={models.length ? listId : undefined} problem={nameProblem} data-testid="openai-model" />
        {models.length ? (
          <datalist id={listId}>
            {models.map((m) => (
              <option key={m} value={m} />
            ))}
          </datalist>
        ) : null}
        <Field
          label="API key"
          type="password"
          value={key}
          onValue={edit(setKey)}
          help="Kept in this computer’s keychain, never in the settings. Leave it empty for a server without keys."
          autoComplete="off"
          problem={keyProblem}
          data-testid="openai-key"
        />
        <div aria-live="polite" data-testid="openai-result">
          {choice.tested?.ok ? (
            <p className="setup-ok" role="status">
              <span aria-hidden="true">✓ </span>
              {choice.tested.detail}
            </p>
          ) : null}
          {about ? null : <ErrorText error={choice.problem} />}
        </div>
        <div className="setup-actions">
          <button type="button" className="secondary" disabled={!complete || choice.busy !== null} onClick={() => void test()}>
            {choice.busy === 'test' ? 'Testing…' : 'Test connection'}
          </button>
          <button type="submit" disabled={!complete || choice.busy !== null}>
            {choice.busy === 'use' ? 'Saving…' : 'Use this'}
          </button>
        </div>
      </form>
    </section>
  );
}
