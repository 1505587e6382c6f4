import { useState } from 'react';
import { Card, Empty, ErrorText } from '../components/ui';
import { useQuery } from '../use-query';
import { Breakdown } from './Breakdown';
import { DayTable } from './DayTable';
import { money, nf } from './format';
import { byModel } from './summary';
import { UsageChart } from './UsageChart';

// What the models cost over a chosen period: totals, tokens per day, the numbers per day, and
// the breakdown by model and by conversation.

const RANGES = [7, 30, 90, 365] as const;

export function UsageSection() {
  const [days, setDays] = useState<number>(30);
  const usage = useQuery('usage.summary', { days });
  const s = usage.data;
  const models = s ? byModel(s) : [];
  const calls = models.reduce((n, m) => n + m.calls, 0);
  const empty = s !== null && s.total.tokensIn + s.total.tokensOut === 0 && s.byDay.length === 0;
  const unpriced = models.some((m) => m.cost === null);

  return (
    <>
      <Card
        title="Usage"
        testId="usage-summary"
        actions={
          <>
            <label className="inline-label">
              Period
              <select value={days} onChange={(e) => setDays(Number(e.target.value))} data-testid="usage-days">
                {RANGES.map((d) => (
                  <option key={d} value={d}>
                    Last {d} days
                  </option>
                ))}
              </select>
            </label>
            <button type="button" className="secondary" onClick={() => void usage.reload()} disabled={usage.loading}>
              Refresh
            </button>
          </>
        }
      >
        <ErrorText error={usage.error} />
        {s ? (
          <dl className="facts usage-totals" data-testid="usage-totals">
            <div>
              <dt>Tokens in</dt>
              <dd>{nf.format(s.total.tokensIn)}</dd>
            </div>
            <div>
              <dt>Tokens out</dt>
              <dd>{nf.format(s.total.tokensOut)}</dd>
            </div>
            <div>
              <dt>Replies</dt>
              <dd>{nf.format(calls)}</dd>
            </div>
            <div>
              <dt>Estimated cost</dt>
              <dd>
                {money(s.total.cost)}
                {s.total.cost !== null && unpriced ? <span className="muted"> (priced models only)</span> : null}
              </dd>
            </div>
          </dl>
        ) : null}
        <div className="usage-chart" data-testid="usage-chart">
          {empty ? (
            <Empty title={`No model usage in the last ${days} days`}>
              Chat with Perch on the <a href="#/chat">Chat</a> page, or from Telegram or WhatsApp; the tokens of every reply are counted here.
            </Empty>
          ) : s ? (
            <UsageChart days={days} summary={s} />
          ) : (
            <p className="muted">{usage.loading ? 'Loading usage…' : null}</p>
          )}
        </div>
        {s && !empty ? <DayTable summary={s} /> : null}
      </Card>
      {s && !empty ? <Breakdown summary={s} models={models} unpriced={unpriced} /> : null}
    </>
  );
}
