import { useId, useMemo } from 'react';
import { compact, dayLabel, niceCeil, nf } from './format';
import { perDay, type DayTotal, type Summary } from './summary';

// Tokens per day as stacked bars drawn in SVG (input below, output on top), with a text
// description for screen readers and each day's numbers on hover.

const W = 760;
const H = 240;
const PAD = { left: 52, right: 10, top: 12, bottom: 28 };

export function UsageChart({ days, summary }: { days: number; summary: Summary }) {
  const titleId = useId();
  const descId = useId();
  const series = useMemo(() => perDay(summary, days), [days, summary]);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const peak = Math.max(0, ...series.map((d) => d.tokensIn + d.tokensOut));
  const top = niceCeil(peak);
  const y = (v: number) => PAD.top + plotH * (1 - v / top);
  const band = plotW / Math.max(1, series.length);
  const barW = Math.max(1, Math.min(28, band * 0.72));
  const every = Math.max(1, Math.ceil(series.length / 8));
  const busiest = series.reduce<DayTotal | null>((best, d) => (!best || d.tokensIn + d.tokensOut > best.tokensIn + best.tokensOut ? d : best), null);

  return (
    <figure className="usage-figure">
      <svg viewBox={`0 0 ${W} ${H}`} className="usage-svg" role="img" aria-labelledby={titleId} aria-describedby={descId} preserveAspectRatio="xMidYMid meet">
        <title id={titleId}>{`Tokens per day, last ${days} days`}</title>
        <desc id={descId}>
          {`${nf.format(summary.total.tokensIn)} tokens in and ${nf.format(summary.total.tokensOut)} tokens out in total.` + (busiest && peak > 0 ? ` The busiest day was ${dayLabel(busiest.day, true)} with ${nf.format(peak)} tokens.` : '')}
        </desc>
        {[0, 0.25, 0.5, 0.75, 1].map((f) => (
          <g key={f}>
            <line className="usage-gridline" x1={PAD.left} x2={W - PAD.right} y1={y(top * f)} y2={y(top * f)} />
            <text className="usage-axis" x={PAD.left - 6} y={y(top * f)} dy="0.32em" textAnchor="end">
              {compact.format(top * f)}
            </text>
          </g>
        ))}
        {series.map((d, i) => {
          const x = PAD.left + band * i + (band - barW) / 2;
          const hIn = plotH * (d.tokensIn / top);
          const hOut = plotH * (d.tokensOut / top);
          return (
            <g key={d.day} data-day={d.day}>
              <title>{`${dayLabel(d.day, true)}: ${nf.format(d.tokensIn)} in, ${nf.format(d.tokensOut)} out, ${nf.format(d.calls)} replies`}</title>
              {/* An invisible full-height target so a thin or empty day still shows its numbers on hover. */}
              <rect className="usage-hover" x={PAD.left + band * i} y={PAD.top} width={band} height={plotH} />
              {hIn > 0 ? <rect className="usage-bar-in" x={x} y={y(d.tokensIn)} width={barW} height={hIn} /> : null}
              {hOut > 0 ? <rect className="usage-bar-out" x={x} y={y(d.tokensIn + d.tokensOut)} width={barW} height={hOut} /> : null}
              {i % every === 0 || (i === series.length - 1 && i % every >= every * 0.75) ? (
                <text className="usage-axis" x={PAD.left + band * i + band / 2} y={H - PAD.bottom + 16} textAnchor="middle">
                  {dayLabel(d.day)}
                </text>
              ) : null}
            </g>
          );
        })}
        <line className="usage-baseline" x1={PAD.left} x2={W - PAD.right} y1={y(0)} y2={y(0)} />
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
