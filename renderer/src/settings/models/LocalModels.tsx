import { useId } from 'react';
import type { Result } from '../../../../main/contract/methods';
import { Badge, Empty, When } from '../../components/ui';
import { humanBytes } from '../../words';
import type { View } from '../paths';
import { InUse, UseButtons, type OnUse } from './use-model';

// The .gguf files in the models folder, each with its size, whether it is a valid model, and
// buttons to use it (a list rather than a table, so it fits a phone's width).

type List = Result<'models.list'>;

function LocalModelRow({ file, view, busy, onUse }: { file: List['local'][number]; view: View; busy: boolean; onUse: OnUse }) {
  const nameId = useId();
  const spec = `llama:${file.path}`;
  return (
    <li className="settings-model">
      <div className="grow">
        <p className="settings-model-name">
          <code id={nameId} title={file.path}>
            {file.name}
          </code>{' '}
          <InUse spec={spec} view={view} />
        </p>
        <p className="muted small">
          {humanBytes(file.sizeBytes)} · changed <When at={file.modifiedAt} /> · {file.gguf ? <Badge state="ok" label="valid model" /> : <Badge state="error" label="damaged" />}
        </p>
      </div>
      {file.gguf ? <UseButtons spec={spec} view={view} describedBy={nameId} busy={busy} onUse={onUse} /> : <span className="muted">Incomplete or damaged: download it again.</span>}
    </li>
  );
}

export function LocalModels({ list, view, busy, onUse }: { list: List; view: View; busy: boolean; onUse: OnUse }) {
  return (
    <>
      <p className="muted">
        Model files (.gguf) in <code className="path">{list.dir}</code>
      </p>
      {list.local.length === 0 ? (
        <Empty title="No model files yet">Download a recommended model below, or copy a .gguf file into the folder above and press Refresh.</Empty>
      ) : (
        <ul className="rows" data-testid="local-models" aria-label="Model files">
          {list.local.map((file) => (
            <LocalModelRow key={file.path} file={file} view={view} busy={busy} onUse={onUse} />
          ))}
        </ul>
      )}
    </>
  );
}
