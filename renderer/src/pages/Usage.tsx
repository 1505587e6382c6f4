import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import type { Result } from '../../../main/contract/methods';
import { Badge, Card, Empty, ErrorText, When } from '../components/ui';
import { call, listen, messageOf, useSession } from '../stores/session';
import { useAction, useQuery } from '../use-query';
import './usage.css';

// What the models cost: tokens per day (a bar chart drawn here in SVG), by model and by
// conversation, with estimates where a price is set. Then the audit log of every approval
// request, decision, rule change and run, paged, with a check of its hash chain.

type Summary = Result<'usage.summary'>;
type AuditRecord = Result<'audit.list'>['items'][number];
type Verification = Result<'audit.verify'>;

const RANGES = [7, 30, 90, 365] as const;
const DAY_MS = 86_400_000;
const AUDIT_PAGE = 50;

const nf = new Intl.NumberFormat();
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
const money = (n: number | null) => (n === null ? '—' : n.toLocaleString(undefined, { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: n < 1 ? 4 : 2 }));

/** The UTC days the summary covers (the server counts from now minus `days`, by UTC day), oldest first. */
function utcDays(days: number, now = Date.now()): string[] {
  const out: string[] = [];
  const first = Date.parse(new Date(now - days * DAY_MS).toISOString().slice(0, 10));
  for (let t = first; t <= now; t += DAY_MS) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

const dayLabel = (day: string, long = false) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString(undefined, { timeZone: 'UTC', month: 'short', day: 'numeric', ...(long ? { weekday: 'short', year: 'numeric' } : {}) });

/** A round axis maximum at or above `max`: 1, 2, 2.5 or 5 times a power of ten. */
function niceCeil(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * power >= max) return m * power;
  return 10 * power;
}

interface DayTotal {
  day: string;
  tokensIn: number;
  tokensOut: number;
  calls: number;
}

function UsageChart({ days, summary }: { days: number; summary: Summary }) {
  const titleId = useId();
  const descId = useId();
  const series = useMemo<DayTotal[]>(() => {
    const byDay = new Map<string, DayTotal>();
    for (const r of summary.byDay) {
      const d = byDay.get(r.day) ?? { day: r.day, tokensIn: 0, tokensOut: 0, calls: 0 };
      d.tokensIn += r.tokensIn;
      d.tokensOut += r.tokensOut;
      d.calls += r.calls;
      byDay.set(r.day, d);
    }
    const range = utcDays(days);
    // A day the server has but this clock does not (a skewed clock) is still shown.
    const all = [...new Set([...range, ...byDay.keys()])].sort();
    return all.map((day) => byDay.get(day) ?? { day, tokensIn: 0, tokensOut: 0, calls: 0 });
  }, [days, summary]);

  const W = 760;
  const H = 240;
  const pad = { left: 52, right: 10, top: 12, bottom: 28 };
  const plotW = W - pad.left - pad.right;
  const plotH = H - pad.top - pad.bottom;
  const peak = Math.max(0, ...series.map((d) => d.tokensIn + d.tokensOut));
  const top = niceCeil(peak);
  const y = (v: number) => pad.top + plotH * (1 - v / top);
  const band = plotW / Math.max(1, series.length);
  const barW = Math.max(1, Math.min(28, band * 0.72));
  const every = Math.max(1, Math.ceil(series.length / 8));
  const busiest = series.reduce<DayTotal | null>((best, d) => (!best || d.tokensIn + d.tokensOut > best.tokensIn + best.tokensOut ? d : best), null);

  return (
    <figure className="usage-figure">
      <svg viewBox={`0 0 ${W} ${H}`} className="usage-svg" role="img" aria-labelledby={titleId} aria-describedby={descId} preserveAspectRatio="xMidYMid meet">
        <title id={titleId}>{`Tokens per day, last ${days} days`}</title>
        <desc id={descId}>
          {`${nf.format(summary.total.tokensIn)} tokens in and ${nf.format(summary.total.tokensOut)} tokens out in total.` +
            (busiest && peak > 0 ? ` The busiest day was ${dayLabel(busiest.day, true)} with ${nf.format(peak)} tokens.` : '')}
        </desc>
        {[0, 0.25, 0.5, 0.75, 1].map((f) => (
          <g key={f}>
            <line className="usage-gridline" x1={pad.left} x2={W - pad.right} y1={y(top * f)} y2={y(top * f)} />
            <text className="usage-axis" x={pad.left - 6} y={y(top * f)} dy="0.32em" textAnchor="end">
              {compact.format(top * f)}
            </text>
          </g>
        ))}
        {series.map((d, i) => {
          const x = pad.left + band * i + (band - barW) / 2;
          const hIn = plotH * (d.tokensIn / top);
          const hOut = plotH * (d.tokensOut / top);
          return (
            <g key={d.day} data-day={d.day}>
              <title>{`${dayLabel(d.day, true)}: ${nf.format(d.tokensIn)} in, ${nf.format(d.tokensOut)} out, ${nf.format(d.calls)} replies`}</title>
              {/* An invisible full-height target so a thin or empty day still shows its numbers on hover. */}
              <rect className="usage-hover" x={pad.left + band * i} y={pad.top} width={band} height={plotH} />
              {hIn > 0 ? <rect className="usage-bar-in" x={x} y={y(d.tokensIn)} width={barW} height={hIn} /> : null}
              {hOut > 0 ? <rect className="usage-bar-out" x={x} y={y(d.tokensIn + d.tokensOut)} width={barW} height={hOut} /> : null}
              {i % every === 0 || (i === series.length - 1 && i % every >= every * 0.75) ? (
                <text className="usage-axis" x={pad.left + band * i + band / 2} y={H - pad.bottom + 16} textAnchor="middle">
                  {dayLabel(d.day)}
                </text>
              ) : null}
            </g>
          );
        })}
        <line className="usage-baseline" x1={pad.left} x2={W - pad.right} y1={y(0)} y2={y(0)} />
      </svg>
      <figcaption className="usage-legend">
        <span>
          <span className="swatch swatch-in" aria-hidden /> Input tokens (prompt and context)
        </span>
        <span>
          <span className="swatch swatch-out" aria-hidden /> Output tokens (replies)
        </span>
        <span className="muted">Days in UTC.</span>
      </figcaption>
    </figure>
  );
}

function byModel(summary: Summary) {
  const rows = new Map<string, { key: string; calls: number; tokensIn: number; tokensOut: number; cost: number | null }>();
  for (const r of summary.byDay) {
    const key = `${r.provider}:${r.model}`;
    const row = rows.get(key) ?? { key, calls: 0, tokensIn: 0, tokensOut: 0, cost: null };
    row.calls += r.calls;
    row.tokensIn += r.tokensIn;
    row.tokensOut += r.tokensOut;
    if (r.cost !== null) row.cost = (row.cost ?? 0) + r.cost;
    rows.set(key, row);
  }
  return [...rows.values()].sort((a, b) => b.tokensIn + b.tokensOut - (a.tokensIn + a.tokensOut));
}

function UsageSection() {
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
              Chat with Perch on the <a href="#/conversations">Conversations</a> page, or from Telegram or WhatsApp; the tokens of every reply are counted here.
            </Empty>
          ) : s ? (
            <UsageChart days={days} summary={s} />
          ) : (
            <p className="muted">{usage.loading ? 'Loading usage…' : null}</p>
          )}
        </div>
        {s && !empty ? (
          <details className="usage-days">
            <summary>The numbers per day and model</summary>
            <table className="grid">
              <thead>
                <tr>
                  <th scope="col">Day (UTC)</th>
                  <th scope="col">Model</th>
                  <th scope="col" className="num">
                    Replies
                  </th>
                  <th scope="col" className="num">
                    In
                  </th>
                  <th scope="col" className="num">
                    Out
                  </th>
                  <th scope="col" className="num">
                    Cost
                  </th>
                </tr>
              </thead>
              <tbody>
                {s.byDay.map((r) => (
                  <tr key={`${r.day} ${r.provider} ${r.model}`}>
                    <td>{r.day}</td>
                    <td>
                      <code>
                        {r.provider}:{r.model}
                      </code>
                    </td>
                    <td className="num">{nf.format(r.calls)}</td>
                    <td className="num">{nf.format(r.tokensIn)}</td>
                    <td className="num">{nf.format(r.tokensOut)}</td>
                    <td className="num">{money(r.cost)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        ) : null}
      </Card>

      {s && !empty ? (
        <div className="two">
          <Card title="By model" testId="usage-models">
            <table className="grid">
              <thead>
                <tr>
                  <th scope="col">Model</th>
                  <th scope="col" className="num">
                    Tokens
                  </th>
                  <th scope="col" className="num">
                    Cost
                  </th>
                </tr>
              </thead>
              <tbody>
                {models.map((m) => (
                  <tr key={m.key}>
                    <td>
                      <code>{m.key}</code>
                      <div className="muted small">
                        {nf.format(m.calls)} replies · {nf.format(m.tokensIn)} in · {nf.format(m.tokensOut)} out
                      </div>
                    </td>
                    <td className="num">{compact.format(m.tokensIn + m.tokensOut)}</td>
                    <td className="num">{money(m.cost)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {unpriced ? (
              <p className="muted small">
                “—”: no price set. Add one under <a href="#/settings">Settings → Usage prices</a> (local models cost nothing).
              </p>
            ) : null}
          </Card>
          <Card title="By conversation" testId="usage-conversations">
            {s.byConversation.length === 0 ? (
              <Empty title="No conversation used a model">Replies in conversations are listed here, the busiest first.</Empty>
            ) : (
              <table className="grid">
                <thead>
                  <tr>
                    <th scope="col">Conversation</th>
                    <th scope="col" className="num">
                      In
                    </th>
                    <th scope="col" className="num">
                      Out
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {s.byConversation.map((c) => (
                    <tr key={c.conversationId}>
                      <td>
                        {c.title || <span className="muted">(untitled)</span>}
                        <div className="muted small">
                          <code>{c.conversationId}</code>
                        </div>
                      </td>
                      <td className="num">{nf.format(c.tokensIn)}</td>
                      <td className="num">{nf.format(c.tokensOut)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {s.byConversation.length >= 50 ? <p className="muted small">The 50 busiest conversations.</p> : null}
          </Card>
        </div>
      ) : null}
    </>
  );
}

function Details({ details }: { details: Record<string, unknown> }) {
  const entries = Object.entries(details);
  if (entries.length === 0) return <span className="muted">—</span>;
  return (
    <dl className="audit-details">
      {entries.map(([key, value]) => {
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        return (
          <div key={key}>
            <dt>{key}</dt>
            <dd title={text.length > 160 ? text : undefined}>{text.length > 160 ? `${text.slice(0, 159)}…` : text}</dd>
          </div>
        );
      })}
    </dl>
  );
}

function VerifyResult({ result }: { result: Verification }) {
  if (result.ok) {
    return (
      <p>
        <Badge state="ok" label="intact" />{' '}
        {result.checked === 0 ? 'The log is empty, so there is nothing to break.' : `The hash chain is intact: all ${nf.format(result.checked)} records fit the chain.`}
      </p>
    );
  }
  return (
    <>
      <p>
        <Badge state="error" label="broken" /> The hash chain breaks at record <strong>#{result.brokenAt ?? '?'}</strong>
        {result.reason ? `: ${result.reason}` : ''}. {result.checked === 0 ? 'It is the first record.' : `The ${nf.format(result.checked)} record${result.checked === 1 ? '' : 's'} before it check out.`}
      </p>
      <p className="muted">
        Records from #{result.brokenAt ?? '?'} on cannot be trusted: the database was changed outside Perch, or damaged. Keep a copy of the data directory before changing anything.
      </p>
    </>
  );
}

function AuditSection() {
  const client = useSession((s) => s.client);
  const epoch = useSession((s) => s.epoch);
  const [items, setItems] = useState<AuditRecord[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ticket = useRef(0);
  const pages = useRef(0);
  const verify = useAction();
  const [verification, setVerification] = useState<{ result: Verification; at: string } | null>(null);

  const load = useCallback(async (cursor?: string) => {
    const mine = ++ticket.current;
    setBusy(true);
    try {
      const page = await call('audit.list', cursor ? { cursor, limit: AUDIT_PAGE } : { limit: AUDIT_PAGE });
      if (mine !== ticket.current) return;
      pages.current = cursor ? pages.current + 1 : 1;
      setItems((prev) => (cursor ? [...(prev ?? []), ...page.items] : page.items));
      setNext(page.nextCursor);
      setError(null);
    } catch (e) {
      if (mine === ticket.current) setError(messageOf(e));
    } finally {
      if (mine === ticket.current) setBusy(false);
    }
  }, []);

  useEffect(() => {
    if (client) void load();
  }, [client, epoch, load]);

  // New records come with approvals; show them unless the owner is reading older pages.
  useEffect(() => {
    if (!client) return;
    const fresh = () => {
      if (pages.current <= 1) void load();
    };
    const offs = [listen('approval.requested', fresh), listen('approval.resolved', fresh)];
    return () => offs.forEach((off) => off());
  }, [client, epoch, load]);

  const brokenAt = verification && !verification.result.ok ? verification.result.brokenAt : undefined;
  const brokenShown = brokenAt !== undefined && (items ?? []).some((r) => r.seq === brokenAt);

  return (
    <Card
      title="Audit log"
      testId="audit"
      actions={
        <>
          <button
            type="button"
            data-testid="audit-verify"
            disabled={verify.busy}
            onClick={() =>
              void verify.run(async () => {
                setVerification(null);
                setVerification({ result: await call('audit.verify'), at: new Date().toISOString() });
              })
            }
          >
            {verify.busy ? 'Verifying…' : 'Verify the chain'}
          </button>
          <button type="button" className="secondary" disabled={busy} onClick={() => void load()}>
            Refresh
          </button>
        </>
      }
    >
      <p className="muted">
        Every approval request, decision, “always allow” rule change and command run, newest first. Each record is sealed together with the one before it under a key the database does not hold, and the last record is noted outside the database too, so an edited, forged or removed record breaks the chain from there on.
      </p>
      <div role="status" aria-live="polite">
        {verification || verify.error ? (
          <div className={`audit-verify-result${verification ? (verification.result.ok ? ' ok' : ' broken') : ''}`} data-testid="audit-verify-result">
          {verification ? <VerifyResult result={verification.result} /> : null}
          {verification ? (
            <p className="muted small">
              Checked <When at={verification.at} />
              {brokenAt !== undefined && !brokenShown && next ? ' · load older records to see the broken one' : ''}
            </p>
          ) : null}
          <ErrorText error={verify.error} />
          </div>
        ) : null}
      </div>
      <ErrorText error={error} />
      <div className="table-scroll">
        <table className="grid audit-table" data-testid="audit-table">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">About</th>
              <th scope="col">Details</th>
              <th scope="col">Hash</th>
            </tr>
          </thead>
          <tbody>
            {items === null ? (
              <tr>
                <td colSpan={7} className="muted">
                  {busy ? 'Loading the audit log…' : null}
                </td>
              </tr>
            ) : items.length === 0 ? (
              <tr>
                <td colSpan={7}>
                  <Empty title="Nothing recorded yet">
                    Records appear when the assistant asks to run a command, when you approve or deny it, and when you add or revoke an “always allow” rule on the{' '}
                    <a href="#/approvals">Approvals</a> page.
                  </Empty>
                </td>
              </tr>
            ) : (
              items.map((r) => (
                <tr key={r.seq} className={r.seq === brokenAt ? 'audit-broken' : undefined} data-testid={`audit-row-${r.seq}`} aria-current={r.seq === brokenAt ? 'true' : undefined}>
                  <td className="num">{r.seq}</td>
                  <td className="nowrap">
                    <When at={r.at} />
                  </td>
                  <td>
                    {r.actor}
                    <div className="muted small">via {r.surface}</div>
                  </td>
                  <td>
                    <code>{r.action}</code>
                  </td>
                  <td>
                    <code>{r.subject}</code>
                  </td>
                  <td>
                    <Details details={r.details} />
                  </td>
                  <td>
                    <code className="muted" title={r.hash}>
                      {r.hash.slice(0, 10)}…
                    </code>
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      {next ? (
        <div className="actions audit-more">
          <button type="button" className="secondary" disabled={busy} onClick={() => void load(next)} data-testid="audit-more">
            {busy ? 'Loading…' : 'Load older records'}
          </button>
          <span className="muted">{items ? `${nf.format(items.length)} shown` : ''}</span>
        </div>
      ) : items && items.length > 0 ? (
        <p className="muted small">All {nf.format(items.length)} records shown.</p>
      ) : null}
    </Card>
  );
}

export function UsagePage() {
  return (
    <div className="usage-page">
      <h1 className="usage-title">Usage &amp; audit</h1>
      <UsageSection />
      <AuditSection />
    </div>
  );
}
