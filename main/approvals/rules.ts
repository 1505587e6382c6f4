import path from 'node:path';
import type { ApprovalRule } from './approval-store';
import { analyzeCommand, CommandParseError, type Analysis } from './command-line';

// "Always allow" rules. An exact rule covers one command line as written. A pattern covers
// simple commands only (one program, no operators, redirections or substitutions), with * for any
// text, so "git status*" can never let "git status; rm -rf ~" through.

/** Why a rule cannot be saved, or null when it is fine. */
export function ruleProblem(kind: ApprovalRule['kind'], command: string): string | null {
  if (kind === 'exact') return null;
  let analysis: Analysis;
  try {
    analysis = analyzeCommand(command.replace(/\*/g, 'x'), { cwd: '/', workspace: '/' });
  } catch (error) {
    if (error instanceof CommandParseError) return `the pattern does not parse: ${error.message}`;
    throw error;
  }
  if (!analysis.simple) return 'a pattern must be one simple command: no ; && || | > < $( ) or backquotes (use an exact rule for those)';
  if (command.trim().split(/\s+/)[0]!.includes('*')) return 'a pattern must name its program: * is not allowed in the first word';
  return null;
}

const words = (analysis: Analysis) => analysis.commands[0]!.argv.join(' ');

function patternRegex(pattern: string): RegExp {
  const text = pattern.trim().split(/\s+/).join(' ');
  return new RegExp(`^${text.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
}

/** The first rule that covers this command in this working directory. */
export function matchingRule(rules: ApprovalRule[], command: string, cwd: string, analysis: Analysis | null): ApprovalRule | null {
  for (const rule of rules) {
    if (rule.cwd !== null && path.resolve(rule.cwd) !== cwd) continue;
    if (rule.kind === 'exact' && rule.command.trim() === command.trim()) return rule;
    if (rule.kind === 'pattern' && analysis?.simple && patternRegex(rule.command).test(words(analysis))) return rule;
  }
  return null;
}
