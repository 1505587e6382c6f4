import { codeOf, INVISIBLE, nameOf } from '../../../main/contract/hidden-text';

// A command exactly as it would run: every invisible, bidi or control character is drawn as a
// marked code (it cannot reorder or hide the text around it), and each line end is marked.

const PARTS = new RegExp(`(\\r\\n|\\r|\\n|${INVISIBLE.source})`, 'u');

export function CommandText({ text, label = 'Command' }: { text: string; label?: string }) {
  const parts = text.split(PARTS).filter((part) => part !== '');
  return (
    <pre className="output command" aria-label={label}>
      {parts.map((part, i) => {
        if (/^(\r\n|\r|\n)$/.test(part)) {
          return (
            <span key={i}>
              <mark className="hidden-char" title="line break: what follows runs too">
                ⏎
              </mark>
              {'\n'}
            </span>
          );
        }
        if (new RegExp(`^(${INVISIBLE.source})$`, 'u').test(part)) {
          return (
            <mark key={i} className="hidden-char" title={nameOf(part)}>
              {codeOf(part)}
            </mark>
          );
        }
        return <span key={i}>{part}</span>;
      })}
    </pre>
  );
}
