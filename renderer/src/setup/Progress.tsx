import type { DownloadView } from '../stores/setup';
import { humanBytes, humanSpeed, percentOf, timeLeft } from '../words';

// A download's bar and its line of numbers: percent, bytes of total, speed, time left.

export function DownloadProgress({ name, view }: { name: string; view: DownloadView }) {
  const percent = percentOf(view.receivedBytes, view.totalBytes);
  const speed = view.phase === 'running' ? view.bytesPerSecond : null;
  const left = speed && view.totalBytes ? timeLeft((view.totalBytes - view.receivedBytes) / speed) : '';
  const parts = [
    percent !== null ? `${percent} %` : null,
    view.totalBytes ? `${humanBytes(view.receivedBytes)} of ${humanBytes(view.totalBytes)}` : humanBytes(view.receivedBytes),
    view.phase === 'paused' ? 'paused' : speed ? humanSpeed(speed) : view.phase === 'running' || view.phase === 'starting' ? 'starting…' : null,
    left || null,
  ].filter(Boolean);
  return (
    <div className="setup-progress">
      <div
        className={`setup-bar${view.phase === 'paused' ? ' is-paused' : ''}${percent === null ? ' is-unknown' : ''}`}
        role="progressbar"
        aria-label={`${name}: download`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent ?? undefined}
        aria-valuetext={parts.join(', ')}
        data-testid="download-bar"
      >
        <span style={{ width: `${percent ?? 0}%` }} />
      </div>
      <p className="setup-numbers" data-testid="download-numbers">
        {parts.join(' · ')}
      </p>
    </div>
  );
}
