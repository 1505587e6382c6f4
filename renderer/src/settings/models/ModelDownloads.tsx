import { useEffect, useId } from 'react';
import { Badge, ErrorText } from '../../components/ui';
import { inFolder } from '../../setup/Recommended';
import { DownloadProgress } from '../../setup/Progress';
import { humanBytes } from '../../words';
import { followDownloads, useSetup, type CatalogItem, type DownloadView } from '../../stores/setup';
import { useQuery } from '../../use-query';
import type { View } from '../paths';
import { InUse, UseButtons, type OnUse } from './use-model';

// The recommended models of the catalog (chat and embeddings) with the same download state as
// the setup screen (one store): download, pause, resume, retry, then use the file.

const FIT = { yes: ['ok', 'fits this machine'], maybe: ['warn', 'may be slow here'], no: ['bad', 'too large for this machine'] } as const;

function DownloadButton({ item, phase, describedBy }: { item: CatalogItem; phase: DownloadView['phase']; describedBy: string }) {
  const { start, pause } = useSetup();
  const size = item.sizeBytes ? ` (${humanBytes(item.sizeBytes)})` : '';
  if (phase === 'done') return null;
  if (phase === 'running')
    return (
      <button type="button" className="secondary" aria-describedby={describedBy} onClick={() => void pause(item.id)}>
        Pause
      </button>
    );
  const label = phase === 'starting' ? 'Starting…' : phase === 'paused' ? 'Resume' : phase === 'failed' ? 'Retry' : `Download${size}`;
  return (
    <button type="button" aria-describedby={describedBy} disabled={phase === 'starting'} onClick={() => void start(item.id)} data-testid={`download-${item.id}-button`}>
      {label}
    </button>
  );
}

function CatalogRow({ item, dir, view, busy, onUse }: { item: CatalogItem; dir: string | null; view: View; busy: boolean; onUse: OnUse }) {
  const state = useSetup((s) => s.downloads[item.id]);
  const nameId = useId();
  if (!state) return null;
  const spec = dir ? `llama:${inFolder(dir, item.file)}` : null;
  const showBar = state.phase === 'running' || state.phase === 'paused' || state.phase === 'starting' || (state.phase === 'failed' && state.receivedBytes > 0);
  const fit = item.fits ? FIT[item.fits] : null;
  return (
    <li className="download" data-testid={`download-${item.id}`} data-phase={state.phase}>
      <div className="grow">
        <p className="download-head">
          <strong id={nameId}>{item.name}</strong> <span className="muted">{item.kind === 'chat' ? 'for chat' : 'for memory search (embeddings)'}</span>
          {item.sizeBytes ? <span className="muted"> · {humanBytes(item.sizeBytes)}</span> : null} {fit ? <Badge state={fit[0] === 'ok' ? 'ok' : fit[0] === 'warn' ? 'pending' : 'error'} label={fit[1]} /> : null}
          {spec ? <InUse spec={spec} view={view} /> : null}
        </p>
        <p className="muted">{item.description}</p>
        {item.fitDetail ? <p className="hint">{item.fitDetail}</p> : null}
        {showBar ? <DownloadProgress name={item.name} view={state} /> : null}
        {state.phase === 'failed' && state.error ? <ErrorText error={state.error.includes(item.name) ? state.error : `${item.name} did not finish downloading. ${state.error}`} /> : null}
        <ErrorText error={state.problem} />
        {state.phase === 'done' && spec ? <UseButtons spec={spec} view={view} describedBy={nameId} busy={busy} onUse={onUse} /> : null}
      </div>
      <DownloadButton item={item} phase={state.phase} describedBy={nameId} />
    </li>
  );
}

export function ModelDownloads({ dir, view, busy, onUse, onFinished }: { dir: string | null; view: View; busy: boolean; onUse: OnUse; onFinished: () => void }) {
  const catalog = useQuery('models.catalog', undefined);
  const seed = useSetup((s) => s.seed);
  const phases = useSetup((s) => Object.values(s.downloads).filter((d) => d.phase === 'done').length);
  useEffect(() => followDownloads(), []);
  useEffect(() => {
    if (catalog.data) seed(catalog.data.items);
  }, [catalog.data, seed]);
  // A finished download is a new file in the folder listed above.
  useEffect(() => {
    if (phases) onFinished();
  }, [phases, onFinished]);
  const items = catalog.data?.items ?? [];
  return (
    <>
      <p className="muted">
        These run on this computer; nothing you say leaves it. They are the same downloads as on the first-run setup screen, and a paused one resumes where it stopped.
      </p>
      {catalog.loading && !catalog.data ? <p className="muted">Looking at this machine…</p> : null}
      <ErrorText error={catalog.error} />
      {catalog.data && items.length === 0 ? <p className="muted">No recommended models are listed right now.</p> : null}
      <ul className="rows">
        {items.map((item) => (
          <CatalogRow key={item.id} item={item} dir={dir} view={view} busy={busy} onUse={onUse} />
        ))}
      </ul>
    </>
  );
}
