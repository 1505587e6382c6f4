import { dayLabel, money, nf } from './format';
import type { Summary } from './summary';

// The numbers behind the chart, per day and model, folded away until asked for.

export function DayTable({ summary }: { summary: Summary }) {
  return (
    <details className="usage-days">
      <summary>The numbers per day and model</summary>
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Usage per day and model">
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
            {summary.byDay.map((r) => (
              <tr key={`${r.day} ${r.provider} ${r.model}`}>
                <td className="nowrap">{dayLabel(r.day, true)}</td>
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
      </div>
    </details>
  );
}
