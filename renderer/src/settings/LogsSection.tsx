import { useState } from 'react';
import { Badge, Card, Empty, ErrorText } from '../components/ui';
import { useQuery } from '../use-query';
import { CopyButton } from './CopyButton';
import { select } from './fields';
import type { Status, View } from './paths';
import { SettingsForm } from './SettingsForm';

// The log: its latest lines at a chosen level, where the file is, the level written, and the
// parts of Perch that report a problem now.

type Level = 'error' | 'warn' | 'info' | 'verbose' | 'debug';

const clock = (iso: string) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString(undefined, { hour12: false });
};

function LogLines() {
  const [level, setLevel] = useState<Level>('info');
  const logs = useQuery('system.logs', { lines: 200, level });
  return (
    <div className="log-lines">
      <div className="form-row">
        <label>
          Show
          <select value={level} onChange={(e) => setLevel(e.target.value as Level)} data-testid="log-level-filter">
            <option value="error">Errors</option>
            <option value="warn">Warnings and errors</option>
            <option value="info">Information and above</option>
            <option value="debug">Everything</option>
          </select>
        </label>
        <button type="button" className="secondary" onClick={() => void logs.reload()}>
          Reload lines
        </button>
      </div>
      <ErrorText error={logs.error} />
      {logs.data?.file ? (
        <div className="actions log-file">
          <span className="muted">Phone numbers, e-mail addresses and keys are left out of the log. The file:</span>
          <code className="grow" data-testid="log-file">
            {logs.data.file}
          </code>
          <CopyButton text={logs.data.file} label="Copy path" />
        </div>
      ) : null}
      {logs.data && logs.data.items.length === 0 ? <Empty title="No lines at this level" /> : null}
      {logs.data && logs.data.items.length > 0 ? (
        <details className="log-details">
          <summary>The latest {logs.data.items.length === 1 ? 'line' : `${logs.data.items.length} lines`} (for reporting a problem)</summary>
          <pre className="output log-view" data-testid="log-lines" tabIndex={0} aria-label="Latest log lines">
            {logs.data.items.map((e) => `${clock(e.time)} ${e.level.padEnd(7)} ${e.message}${Object.keys(e.fields).length ? ` ${JSON.stringify(e.fields)}` : ''}`).join('\n')}
          </pre>
        </details>
      ) : null}
    </div>
  );
}

/** A part's own report: its first words as a sentence, the whole line (paths, causes) under Details. */
function DomainDetail({ detail }: { detail: string | null | undefined }) {
  if (!detail) return null;
  const head = detail.split(/\s\(|;\s/)[0]!.trim();
  const text = `${head.charAt(0).toUpperCase()}${head.slice(1)}${/[.!?]$/.test(head) ? '' : '.'}`;
  return (
    <>
      <span>{text}</span>
      {head !== detail.trim() ? (
        <details className="error-details">
          <summary>Details</summary>
          <code>{detail}</code>
        </details>
      ) : null}
    </>
  );
}

export function LogsSection({ view, status, onSaved, reloadStatus }: { view: View; status: Status | null; onSaved: () => void; reloadStatus: () => void }) {
  const problems = status ? Object.entries(status.domains).filter(([, d]) => d.status !== 'ok') : [];
  return (
    <Card
      title="Logs"
      testId="settings-logs"
      actions={
        <button type="button" className="secondary" onClick={reloadStatus}>
          Refresh
        </button>
      }
    >
      <LogLines />
      <SettingsForm
        view={view}
        onSaved={onSaved}
        submitLabel="Save log level"
        groups={[{ fields: [select('logLevel', 'Write lines of this level and more serious', { error: 'Errors', warn: 'Warnings', info: 'Information', verbose: 'Verbose', debug: 'Debugging (very detailed)' })] }]}
      />
      <h3>Problems now</h3>
      {status ? (
        problems.length === 0 ? (
          <p className="muted">Every part of Perch reports that it is working.</p>
        ) : (
          <ul className="rows" data-testid="log-problems">
            {problems.map(([name, d]) => (
              <li key={name}>
                <Badge state={d.status} />
                <strong className="cap">{name}</strong>
                <span className="grow">
                  <DomainDetail detail={d.detail} />
                </span>
              </li>
            ))}
          </ul>
        )
      ) : null}
    </Card>
  );
}
