import path from 'node:path';
import type { ApprovalRule } from './approval-store';
import { analyzeCommand, CommandParseError, whyNoRule, type Analysis } from './command-line';

// "Always allow" rules. A rule only ever covers one plain command (one program and its words: no
// operators, redirections, substitutions, variables, comments, extra lines or hidden characters)
// that is not high-risk; anything else always asks, whatever rule was saved. An exact rule covers
// that command line as written; a pattern covers its words, with * for any text, so "git status*"
// can never let "git status; rm -rf ~" through.

/** Why a rule cannot be saved, or null when it is fine. */
export function ruleProblem(kind: ApprovalRule['kind'], command: string): string | null {
  let analysis: Analysis;
  try {
    analysis = analyzeCommand(kind === 'pattern' ? command.replace(/\*/g, 'x') : command, { cwd: '/', workspace: '/' });
  } catch (error) {
    if (error instanceof CommandParseError) return error.message;
    throw error;
  }
  const why = whyNoRule(analysis);
  if (why) return `a rule can only cover one plain command that is not high-risk, and ${why} (approve such commands one at a time)`;
  if (kind === 'pattern' && command.trim().split(/\s+/)[0]!.includes('*')) return 'a pattern must name its program: * is not allowed in the first word';
  return null;
}

const words = (analysis: Analysis) => analysis.calls[0]!.words.map((w) => w.literal).join(' ');

function patternRegex(pattern: string): RegExp {
  const text = pattern.trim().split(/\s+/).join(' ');
  return new RegExp(`^${text.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
}

/**
 * The first rule that covers this call in this working directory. `analysis` is null for a tool
 * that is not a shell command, whose exact text a rule may cover.
 */
export function matchingRule(rules: ApprovalRule[], command: string, cwd: string, analysis: Analysis | null): ApprovalRule | null {
  if (analysis && whyNoRule(analysis)) return null;
  for (const rule of rules) {
    if (rule.cwd !== null && path.resolve(rule.cwd) !== cwd) continue;
    if (rule.kind === 'exact' && rule.command.trim() === command.trim()) return rule;
    if (rule.kind === 'pattern' && analysis && patternRegex(rule.command).test(words(analysis))) return rule;
  }
  return null;
}
