import { callRisks, type AnalysisContext, type Risk, type RiskKind } from './command-risks';
import { hiddenCharacters, linesOf, visible } from '../contract/hidden-text';
import { parseShell, ShellSyntaxError, type Construct, type ShellCall, type ShellScript } from './shell-syntax';

// What a command line would do, from a real sh/Bash parse of it: every simple command it runs
// (nested ones too), whether it is one plain command that an "always allow" rule may cover, and
// the risks the owner should see before approving. It never throws for what the owner may see:
// a line that cannot be analysed is shown with a note saying so.

export type { AnalysisContext, Risk, RiskKind } from './command-risks';

export class CommandParseError extends Error {}

export type RiskLevel = 'high' | 'caution' | 'none';

export interface Analysis {
  calls: ShellCall[];
  /** One plain command, nothing else: what a rule may cover. */
  simple: boolean;
  /** Why it is not simple, when it is not. */
  notSimple: string | null;
  risks: Risk[];
  level: RiskLevel;
}

const CAUTION: ReadonlySet<RiskKind> = new Set(['outside-workspace', 'network', 'nested']);

const CONSTRUCTS: Array<[Construct, string]> = [
  ['comment', 'it has a comment (#)'],
  ['sequence', 'it runs more than one command (; or a new line)'],
  ['and-or', 'it joins commands with && or ||'],
  ['pipe', 'it pipes one command into another (|)'],
  ['background', 'it runs something in the background (&)'],
  ['negation', 'it negates a command (!)'],
  ['redirect', 'it redirects input or output (> <)'],
  ['substitution', 'it runs commands inside $( ), backquotes or <( )'],
  ['expansion', 'part of it is computed when it runs ($VAR, ${ }, $(( )))'],
  ['compound', 'it is a compound command (if, for, { }, ( ), function …)'],
  ['assignment', 'it sets variables (NAME=…)'],
];

// PowerShell reads these differently from sh: on Windows a rule covers plain words only.
const POWERSHELL_PLAIN = /^[\w .,:=+\-/\\*]*$/;
const MAX_NESTING = 4;

export function analyzeCommand(command: string, ctx: AnalysisContext, nesting = 0): Analysis {
  if (!command.trim()) throw new CommandParseError('there is no command to run');
  const risks: Risk[] = [];
  const add = (kind: RiskKind, raw: string) => {
    const detail = visible(raw);
    if (!risks.some((r) => r.kind === kind && r.detail === detail)) risks.push({ kind, detail });
  };
  const reasons: string[] = [];

  const hidden = hiddenCharacters(command);
  for (const c of hidden.slice(0, 5)) add('hidden', `${c.name} (${c.code}) at character ${c.position}: the text shown is not exactly what runs`);
  if (hidden.length > 5) add('hidden', `${hidden.length - 5} more invisible or control characters`);
  if (hidden.length) reasons.push('it contains invisible or control characters');
  const lines = linesOf(command.trim());
  lines.slice(1, 4).forEach((line, i) => add('hidden', `line ${i + 2} of ${lines.length} runs too: ${line.trim() || '(an empty line)'}`));
  if (lines.length > 1) reasons.push('it spans more than one line');

  let script: ShellScript | null = null;
  try {
    script = parseShell(command);
  } catch (error) {
    const message = error instanceof ShellSyntaxError ? error.message : `the analyser failed: ${(error as Error)?.message ?? String(error)}`;
    add('unanalysed', `${message}. Read every character before approving`);
    reasons.push('it could not be analysed');
  }

  if (script) {
    for (const [construct, reason] of CONSTRUCTS) if (script.constructs.has(construct)) reasons.push(reason);
    for (const comment of script.comments) add('hidden', `a comment is ignored when it runs: #${comment.slice(0, 60)}`);
    if (script.calls.length !== 1 && !reasons.length) reasons.push('it is not one plain command');
    if (script.calls.some((c) => c.words.some((w) => w.literal === null))) reasons.push('part of it is computed when it runs');
    const inner = (text: string, what: string) => {
      if (nesting >= MAX_NESTING) return add('unanalysed', `${what} runs a command line nested too deeply to analyse`);
      try {
        for (const risk of analyzeCommand(text, ctx, nesting + 1).risks) add(risk.kind, risk.detail);
      } catch {
        add('unanalysed', `${what} runs an empty command line`);
      }
    };
    for (const call of script.calls) callRisks(call, ctx, add, inner);
    for (const substitution of script.substitutions) add('nested', `${substitution.length > 80 ? `${substitution.slice(0, 79)}…` : substitution}`);
  }
  if ((ctx.platform ?? process.platform) === 'win32' && !POWERSHELL_PLAIN.test(command)) reasons.push('PowerShell may read its punctuation differently');

  const level: RiskLevel = risks.some((r) => !CAUTION.has(r.kind)) ? 'high' : risks.length ? 'caution' : 'none';
  return { calls: script?.calls ?? [], simple: reasons.length === 0, notSimple: reasons[0] ?? null, risks, level };
}

const LABELS: Record<RiskKind, string> = {
  unanalysed: 'Could not be analysed',
  hidden: 'Hidden text',
  'pipe-to-shell': 'Runs downloaded code',
  code: 'Runs code not shown as a command',
  injection: 'Makes a program run other code',
  privilege: 'Privilege escalation',
  delete: 'Deletes or overwrites',
  secrets: 'Reads secrets',
  'outside-workspace': 'Writes outside the workspace',
  network: 'Network access',
  nested: 'Runs a nested command',
};

/** One line per risk, most serious first, for the approval prompt. */
export function riskNote(risks: Risk[]): string {
  if (risks.length === 0) return 'No known risk found: read the command before approving.';
  const order = Object.keys(LABELS) as RiskKind[];
  return [...risks]
    .sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind))
    .map((r) => `${LABELS[r.kind]}: ${r.detail}`)
    .join('\n');
}

/** Why no "always allow" rule may cover this command line, or null when one may. */
export function whyNoRule(analysis: Analysis): string | null {
  if (!analysis.simple) return analysis.notSimple;
  if (analysis.level === 'high') return 'it is high-risk, so it always asks';
  return null;
}
