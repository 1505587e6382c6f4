import { useEffect, useId } from 'react';
import { ErrorText } from '../components/ui';
import { useSetup, followDownloads, type CatalogItem, type DownloadView } from '../stores/setup';
import { useQuery } from '../use-query';
import { useChoice } from './choose';
import { humanBytes } from '../words';
import { DownloadProgress } from './Progress';

// The recommended models: what each is, its size, whether it suits this machine (node-llama-cpp's
// own estimate, judged on the server), and its download with pause, resume and retry.

const FIT: Record<'yes' | 'maybe' | 'no', { label: string; tone: string; mark: string }> = {
  yes: { label: 'Fits this machine', tone: 'ok', mark: '✓' },
  maybe: { label: 'May be slow', tone: 'warn', mark: '!' },
  no: { label: 'Too large for this machine', tone: 'bad', mark: '✕' },
};

/** The path of a file in the models folder, with the folder's own separator. */
export const inFolder = (dir: string, file: string) => `${dir.replace(/[\\/]+$/, '')}${dir.includes('\\') && !dir.includes('/') ? '\\' : '/'}${file}`;

/** The core's detail starts with its own verdict ("Fits: it needs…"); the mark already says it. */
const reason = (detail: string) => {
  const rest = detail.replace(/^(fits|might be slow|may be slow|too big[^:]*|too large[^:]*):\s*/i, '');
  return rest.charAt(0).toUpperCase() + rest.slice(1);
};

function FitMark({ item }: { item: CatalogItem }) {
  if (!item.fits) return item.fitDetail ? <p className="setup-help">{item.fitDetail}</p> : null;
  const fit = FIT[item.fits];
  return (
    <p className={`setup-fit fit-${fit.tone}`} data-testid="fit">
      <span aria-hidden="true" className="setup-fit-mark">
        {fit.mark}
      </span>
      <strong>{fit.label}</strong>
      {item.fitDetail ? <span className="setup-fit-detail">{reason(item.fitDetail)}</span> : null}
    </p>
  );
}

function Actions({ item, view, dir, describedBy }: { item: CatalogItem; view: DownloadView; dir: string | null; describedBy: string }) {
  const { start, pause } = useSetup();
  const choice = useChoice();
  const size = item.sizeBytes ? ` (${humanBytes(item.sizeBytes)})` : '';
  const button = (() => {
    switch (view.phase) {
      case 'idle':
        return (
          <button type="button" aria-describedby={describedBy} onClick={() => void start(item.id)}>
            Download{size}
          </button>
        );
      case 'starting':
        return (
          <button type="button" aria-describedby={describedBy} disabled>
            Starting…
          </button>
        );
      case 'running':
        return (
          <button type="button" className="secondary" aria-describedby={describedBy} onClick={() => void pause(item.id)}>
            Pause
          </button>
        );
      case 'paused':
        return (
          <button type="button" aria-describedby={describedBy} onClick={() => void start(item.id)}>
            Resume
          </button>
        );
      case 'failed':
        return (
          <button type="button" aria-describedby={describedBy} onClick={() => void start(item.id)}>
            Retry
          </button>
        );
      case 'done':
        return dir ? (
          <button type="button" aria-describedby={describedBy} disabled={choice.busy !== null} onClick={() => void choice.use(`llama:${inFolder(dir, item.file)}`)}>
            {choice.busy ? 'Checking…' : 'Use this model'}
          </button>
        ) : null;
    }
  })();
  return (
    <div className="setup-actions">
      {button}
      <ErrorText error={view.problem ?? choice.problem} />
    </div>
  );
}

function ModelRow({ item, dir }: { item: CatalogItem; dir: string | null }) {
  const view = useSetup((s) => s.downloads[item.id]);
  const nameId = useId();
  if (!view) return null;
  const showBar = view.phase === 'running' || view.phase === 'paused' || view.phase === 'starting' || (view.phase === 'failed' && view.receivedBytes > 0);
  const failure = view.phase === 'failed' && view.error ? (view.error.includes(item.name) ? view.error : `${item.name} did not finish downloading. ${view.error}`) : null;
  return (
    <li className="setup-model" data-testid={`model-${item.id}`} data-phase={view.phase}>
      <div className="setup-model-head">
        <h4 id={nameId}>{item.name}</h4>
        {item.sizeBytes ? <span className="setup-size">{humanBytes(item.sizeBytes)}</span> : null}
      </div>
      <p className="setup-description">{item.description}</p>
      <FitMark item={item} />
      {showBar ? <DownloadProgress name={item.name} view={view} /> : null}
      {view.phase === 'done' ? <p className="setup-done">Downloaded. Perch starts using it as soon as it is chosen.</p> : null}
      {failure ? <ErrorText error={failure} /> : null}
      <Actions item={item} view={view} dir={dir} describedBy={nameId} />
    </li>
  );
}

export function Recommended({ dir }: { dir: string | null }) {
  const catalog = useQuery('models.catalog', undefined);
  const seed = useSetup((s) => s.seed);
  useEffect(() => followDownloads(), []);
  useEffect(() => {
    if (catalog.data) seed(catalog.data.items);
  }, [catalog.data, seed]);
  const items = (catalog.data?.items ?? []).filter((item) => item.kind === 'chat');
  return (
    <section className="setup-card setup-recommended" aria-labelledby="setup-recommended" data-testid="setup-recommended">
      <h3 id="setup-recommended">Download a recommended model</h3>
      <p className="setup-lead">Runs on this computer: nothing you say leaves it. You can pause a download and resume it later.</p>
      {catalog.loading && !catalog.data ? <p className="muted">Looking at this machine…</p> : null}
      <ErrorText error={catalog.error} />
      {catalog.data && items.length === 0 ? <p className="muted">No recommended models are listed right now. Choose one of the other ways below.</p> : null}
      <ul className="setup-models">
        {items.map((item) => (
          <ModelRow key={item.id} item={item} dir={dir} />
        ))}
      </ul>
    </section>
  );
}
