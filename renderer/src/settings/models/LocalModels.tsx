import { useId } from 'react';
import type { Result } from '../../../../main/contract/methods';
import { Badge, Empty, When } from '../../components/ui';
import { humanBytes } from '../../setup/format';
import type { View } from '../paths';
import { InUse, UseButtons, type OnUse } from './use-model';

// The .gguf files in the models folder, each with whether it is a valid model and buttons to use it.

type List = Result<'models.list'>;

function LocalModelRow({ file, view, busy, onUse }: { file: List['local'][number]; view: View; busy: boolean; onUse: OnUse }) {
  const nameId = useId();
  const spec = `llama:${file.path}`;
  return (
    <tr>
      <td>
        <code id={nameId} title={file.path}>
          {file.name}
        </code>{' '}
        <InUse spec={spec} view={view} />
      </td>
      <td className="nowrap">{humanBytes(file.sizeBytes)}</td>
      <td>
        <When at={file.modifiedAt} />
      </td>
      <td>{file.gguf ? <Badge state="ok" label="valid model" /> : <Badge state="error" label="damaged" />}</td>
      <td>{file.gguf ? <UseButtons spec={spec} view={view} describedBy={nameId} busy={busy} onUse={onUse} /> : <span className="muted">Incomplete or damaged: download it again.</span>}</td>
    </tr>
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
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Model files">
          <table className="grid" data-testid="local-models">
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">Size</th>
                <th scope="col">Changed</th>
                <th scope="col">Check</th>
                <th scope="col">Use</th>
              </tr>
            </thead>
            <tbody>
              {list.local.map((file) => (
                <LocalModelRow key={file.path} file={file} view={view} busy={busy} onUse={onUse} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
