import { Card, Empty } from '../components/ui';
import { plural } from '../words';
import { compact, money, nf } from './format';
import type { ModelTotal, Summary } from './summary';

// Usage by model (with cost where a price is set) and by conversation, the busiest first.

function ByModel({ models, unpriced }: { models: ModelTotal[]; unpriced: boolean }) {
  return (
    <Card title="By model" testId="usage-models">
      <div className="table-wrap">
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
                    {plural(m.calls, 'reply', 'replies')} · {nf.format(m.tokensIn)} in · {nf.format(m.tokensOut)} out
                  </div>
                </td>
                <td className="num">{compact.format(m.tokensIn + m.tokensOut)}</td>
                <td className="num">{money(m.cost)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {unpriced ? (
        <p className="muted small">
          “—”: no price set. Add one under <a href="#/settings">Settings → Usage prices</a> (local models cost nothing).
        </p>
      ) : null}
    </Card>
  );
}

function ByConversation({ summary }: { summary: Summary }) {
  const rows = summary.byConversation;
  return (
    <Card title="By conversation" testId="usage-conversations">
      {rows.length === 0 ? (
        <Empty title="No conversation used a model">Replies in conversations are listed here, the busiest first.</Empty>
      ) : (
        <div className="table-wrap">
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
              {rows.map((c) => (
                <tr key={c.conversationId}>
                  <td title={c.conversationId}>{c.title || <span className="muted">Untitled conversation</span>}</td>
                  <td className="num">{nf.format(c.tokensIn)}</td>
                  <td className="num">{nf.format(c.tokensOut)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {rows.length >= 50 ? <p className="muted small">The 50 busiest conversations.</p> : null}
    </Card>
  );
}

export function Breakdown({ summary, models, unpriced }: { summary: Summary; models: ModelTotal[]; unpriced: boolean }) {
  return (
    <div className="two">
      <ByModel models={models} unpriced={unpriced} />
      <ByConversation summary={summary} />
    </div>
  );
}
