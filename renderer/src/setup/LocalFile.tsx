import { useState, type FormEvent } from 'react';
import type { Result } from '../../../main/contract/methods';
import { ErrorText } from '../components/ui';
import { useChoice } from './choose';
import { Field } from './Field';
import { humanBytes } from '../words';

// A .gguf already on this computer: one of the files in Perch's models folder, or any path typed
// in. (The desktop bridge offers no file dialog yet, so the desktop app shows the same.) Each is
// checked by the core (models.test reads its GGUF header) before it becomes the chat model.

type Listing = Result<'models.list'> | null;

export function LocalFile({ list }: { list: Listing }) {
  const choice = useChoice();
  const [path, setPath] = useState('');
  const [from, setFrom] = useState<string | null>(null);
  const files = list?.local ?? [];

  const useFile = (file: string, origin: string) => {
    setFrom(origin);
    void choice.use(`llama:${file}`);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (path.trim()) useFile(path.trim(), 'field');
  };

  return (
    <section className="setup-card" aria-labelledby="setup-local" data-testid="setup-local">
      <h4 id="setup-local">Use a model file</h4>
      <p className="setup-lead">A GGUF file you already have. Files in Perch’s models folder are listed here.</p>
      {list ? (
        <p className="setup-help">
          Models folder: <code className="setup-path">{list.dir}</code>
        </p>
      ) : null}
      {files.length ? (
        <ul className="setup-files" data-testid="local-files">
          {files.map((file) => (
            <li key={file.path}>
              <div className="setup-file">
                <span className="setup-file-name">{file.name}</span>
                <span className="setup-size">{humanBytes(file.sizeBytes)}</span>
                {file.gguf ? (
                  <button type="button" className="secondary" disabled={choice.busy !== null} aria-label={`Use ${file.name}`} onClick={() => useFile(file.path, file.path)}>
                    Use
                  </button>
                ) : (
                  <span className="setup-help">Incomplete or damaged</span>
                )}
              </div>
              {from === file.path ? <ErrorText error={choice.problem} /> : null}
            </li>
          ))}
        </ul>
      ) : list ? (
        <p className="setup-help">No .gguf files there yet.</p>
      ) : null}
      <form className="setup-form" onSubmit={submit}>
        <Field
          label="Path to a .gguf file"
          value={path}
          onValue={(value) => {
            setPath(value);
            if (from === 'field') choice.clear();
          }}
          placeholder={list ? `e.g. ${list.dir}${list.dir.includes('\\') ? '\\' : '/'}model.gguf` : 'e.g. /home/you/models/model.gguf'}
          spellCheck={false}
          autoComplete="off"
          problem={from === 'field' ? choice.problem : null}
          data-testid="local-path"
        />
        <div className="setup-actions">
          <button type="submit" disabled={!path.trim() || choice.busy !== null}>
            {choice.busy && from === 'field' ? 'Checking…' : 'Use this file'}
          </button>
        </div>
      </form>
    </section>
  );
}
