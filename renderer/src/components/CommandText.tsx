import { partsOf } from '../../../main/contract/hidden-text';

// A command exactly as it would run: every invisible, bidi or control character is drawn as a
// marked code (it cannot reorder or hide the text around it), and each line end is marked.

export function CommandText({ text, label = 'Command' }: { text: string; label?: string }) {
  return (
    <pre className="output command" aria-label={label}>
      {partsOf(text).map((part, i) =>
        part.kind === 'break' ? (
          <span key={i}>
            <mark className="hidden-char" title="line break: what follows runs too">
              ⏎
            </mark>
            {'\n'}
          </span>
        ) : part.kind === 'hidden' ? (
          <mark key={i} className="hidden-char" title={part.name}>
            {part.code}
          </mark>
        ) : (
          <span key={i}>{part.text}</span>
        ),
      )}
    </pre>
  );
}
