import { Badge, Empty, ErrorText } from '../components/ui';
import { useQuery } from '../use-query';
import { Moment, RunError, type Job } from './words';

// A job's latest runs: when each was due, how it went, how many attempts, its error or output.

const STATUS_WORDS: Record<string, string> = { ok: 'ok', failed: 'failed', running: 'running', retrying: 'retrying', missed: 'missed', pending: 'waiting' };

export function History({ job }: { job: Job }) {
  const runs = useQuery('schedules.runs', { jobId: job.id, limit: 20 }, ['schedule.fired']);
  const items = runs.data?.items ?? [];
  return (
    <div className="sched-history" data-testid="schedule-runs" aria-label={`Run history of ${job.name}`} role="region">
      <ErrorText error={runs.error} />
      {runs.data && items.length === 0 ? <Empty title="No runs yet">Runs appear here once the job fires, or after “Run now”.</Empty> : null}
      {items.length ? (
        <div className="table-wrap">
          <table className="grid">
            <thead>
              <tr>
                <th scope="col">Due at</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Error or output</th>
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr key={r.id} data-testid={`schedule-run-${r.id}`}>
                  <td>
                    <Moment at={r.scheduledFor} />
                    {r.manual ? <div className="muted">run by hand</div> : null}
                  </td>
                  <td>
                    <Badge state={r.status} label={STATUS_WORDS[r.status] ?? r.status} />
                  </td>
                  <td>{r.attempts}</td>
                  <td className="sched-output">
                    {r.error ? <RunError error={r.error} /> : null}
                    {r.output ? <pre className="output">{r.output}</pre> : null}
                    {!r.error && !r.output ? <span className="muted">—</span> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {runs.data?.nextCursor ? <p className="muted">Showing the latest {items.length} runs.</p> : null}
    </div>
  );
}
