import sh, { type ShNode, type ShParseError } from 'mvdan-sh';

// A command line as the shell reads it, from a real sh/Bash grammar (mvdan/sh's parser), turned
// into a small tree of our own: every simple command anywhere in it (also inside $(…), backquotes
// and <(…)), with its words as written and as the shell would pass them, its redirections and what
// pipes into it, plus every construct the line uses beyond one plain command.

const { syntax } = sh;
const parser = syntax.NewParser(syntax.KeepComments(true), syntax.Variant(syntax.LangBash));

export class ShellSyntaxError extends Error {}

export interface ShellWord {
  /** As written. */
  text: string;
  /** After quote removal, when nothing in it is computed at run time; null otherwise. */
  literal: string | null;
}

export interface ShellRedirect {
  op: string;
  target: ShellWord | null;
}

export interface ShellCall {
  /** Variable assignments before the program (LD_PRELOAD=… ls), or those of export/declare. */
  assigns: Array<{ name: string; value: ShellWord | null }>;
  words: ShellWord[];
  redirects: ShellRedirect[];
  /** The command whose output is piped into this one. */
  pipedFrom: ShellCall | null;
  /** The command this one runs inside of, through $(…), backquotes or <(…). */
  inside: ShellCall | null;
}

export type Construct =
  | 'sequence'
  | 'and-or'
  | 'pipe'
  | 'background'
  | 'negation'
  | 'redirect'
  | 'substitution'
  | 'expansion'
  | 'compound'
  | 'comment'
  | 'assignment';

export interface ShellScript {
  calls: ShellCall[];
  constructs: Set<Construct>;
  /** Each $(…), `…`, <(…) and >(…), as written. */
  substitutions: string[];
  comments: string[];
}

const COMPOUND = new Set(['Subshell', 'Block', 'IfClause', 'WhileClause', 'ForClause', 'CaseClause', 'FuncDecl', 'TestClause', 'LetClause', 'TimeClause', 'CoprocClause', 'TestDecl', 'DeclClause', 'ArithmCmd']);

// mvdan-sh's nodes are Go structs behind getters; these read the fields Perch needs.
type Fields = Record<string, unknown>;
const field = <T>(node: ShNode | null | undefined, name: string): T => (node as unknown as Fields)[name] as T;
const type = (node: ShNode) => syntax.NodeType(node);

function unescapeBare(text: string): string {
  return text.replace(/\\\n/g, '').replace(/\\(.)/gs, '$1');
}
function unescapeDouble(text: string): string {
  return text.replace(/\\\n/g, '').replace(/\\([$`"\\])/g, '$1');
}

function literalOf(word: ShNode): string | null {
  let out = '';
  for (const part of field<ShNode[]>(word, 'Parts')) {
    const kind = type(part);
    if (kind === 'Lit') out += unescapeBare(field<string>(part, 'Value'));
    else if (kind === 'SglQuoted' && !field<boolean>(part, 'Dollar')) out += field<string>(part, 'Value');
    else if (kind === 'DblQuoted' && !field<boolean>(part, 'Dollar')) {
      for (const inner of field<ShNode[]>(part, 'Parts')) {
        if (type(inner) !== 'Lit') return null;
        out += unescapeDouble(field<string>(inner, 'Value'));
      }
    } else return null;
  }
  return out;
}

interface Span {
  start: number;
  end: number;
}
const spanKey = (node: ShNode) => `${node.Pos().Offset()}:${node.End().Offset()}`;

/** Parses one command line; throws ShellSyntaxError where the shell would refuse it. */
export function parseShell(source: string): ShellScript {
  let file: ShNode;
  try {
    file = parser.Parse(source, '');
  } catch (error) {
    const message = typeof (error as ShParseError)?.Error === 'function' ? (error as ShParseError).Error() : String((error as Error)?.message ?? error);
    throw new ShellSyntaxError(message.replace(/^(\d+):(\d+): /, (_, line: string, col: string) => (line === '1' ? `at character ${col}: ` : `on line ${line} at character ${col}: `)));
  }
  // Offsets are in UTF-8 bytes.
  const bytes = Buffer.from(source);
  const textOf = (node: ShNode) => bytes.subarray(node.Pos().Offset(), node.End().Offset()).toString();
  const wordOf = (node: ShNode | null): ShellWord | null => (node ? { text: textOf(node), literal: literalOf(node) } : null);
  const opAt = (pos: { Offset(): number }) => /^(&>>|&>|>>|>\||>&|<&|<<<|<<-|<<|<>|>|<|&&|\|\||\|&|\|)/.exec(bytes.subarray(pos.Offset(), pos.Offset() + 3).toString())?.[1] ?? '?';

  const script: ShellScript = { calls: [], constructs: new Set(), substitutions: [], comments: [] };
  const add = (construct: Construct) => script.constructs.add(construct);
  if (field<ShNode[]>(file, 'Stmts').length > 1) add('sequence');

  const stack: string[] = [];
  const statements: Array<{ node: ShNode; depth: number }> = [];
  const callsOf = new Map<string, Array<{ call: ShellCall; depth: number }>>();
  const pipes: Array<{ from: ShNode; to: ShNode; depth: number }> = [];
  const placed = new Map<ShellCall, Span & { depth: number; statement: Span }>();
  let depth = 0;

  syntax.Walk(file, (node) => {
    if (!node) {
      const left = stack.pop();
      if (left === 'Stmt') statements.pop();
      if (left === 'CmdSubst' || left === 'ProcSubst') depth--;
      return true;
    }
    const kind = type(node);
    stack.push(kind);
    switch (kind) {
      case 'Stmt': {
        statements.push({ node, depth });
        if (field<boolean>(node, 'Background') || field<boolean>(node, 'Coprocess')) add('background');
        if (field<boolean>(node, 'Negated')) add('negation');
        if (field<ShNode[]>(node, 'Redirs').length > 0) add('redirect');
        if (field<{ IsValid(): boolean }>(node, 'Semicolon').IsValid()) add('sequence');
        break;
      }
      case 'CallExpr':
      case 'DeclClause': {
        const statement = statements.at(-1)!.node;
        const assigns = field<ShNode[]>(node, kind === 'CallExpr' ? 'Assigns' : 'Args').filter((a) => field(a, 'Name'));
        const call: ShellCall = {
          assigns: assigns.map((a) => ({ name: field<string>(field<ShNode>(a, 'Name'), 'Value'), value: wordOf(field<ShNode | null>(a, 'Value')) })),
          words:
            kind === 'CallExpr'
              ? field<ShNode[]>(node, 'Args').map((w) => wordOf(w)!)
              : [wordOf(field<ShNode>(node, 'Variant'))!, ...field<ShNode[]>(node, 'Args').filter((a) => !field(a, 'Name')).map((a) => wordOf(field<ShNode | null>(a, 'Value'))!).filter(Boolean)],
          redirects: field<ShNode[]>(statement, 'Redirs').map((r) => ({ op: opAt(field(r, 'OpPos')), target: wordOf(field<ShNode | null>(r, 'Word')) })),
          pipedFrom: null,
          inside: null,
        };
        if (assigns.length > 0) add('assignment');
        script.calls.push(call);
        placed.set(call, { start: node.Pos().Offset(), end: node.End().Offset(), depth, statement: { start: statement.Pos().Offset(), end: statement.End().Offset() } });
        for (const s of statements) {
          const key = spanKey(s.node);
          if (!callsOf.has(key)) callsOf.set(key, []);
          callsOf.get(key)!.push({ call, depth });
        }
        break;
      }
      case 'BinaryCmd': {
        const op = opAt(field(node, 'OpPos'));
        if (op === '&&' || op === '||') add('and-or');
        else {
          add('pipe');
          pipes.push({ from: field(node, 'X'), to: field(node, 'Y'), depth });
        }
        break;
      }
      case 'CmdSubst':
      case 'ProcSubst':
        add('substitution');
        script.substitutions.push(textOf(node));
        depth++;
        break;
      case 'ParamExp':
      case 'ArithmExp':
      case 'ExtGlob':
        add('expansion');
        break;
      case 'Comment':
        add('comment');
        script.comments.push(field<string>(node, 'Text'));
        break;
      default:
        if (COMPOUND.has(kind)) add('compound');
    }
    return true;
  });

  // What pipes into what: the last command on the left of a | feeds the first on its right.
  for (const pipe of pipes) {
    const left = (callsOf.get(spanKey(pipe.from)) ?? []).filter((c) => c.depth === pipe.depth).at(-1);
    const right = (callsOf.get(spanKey(pipe.to)) ?? []).find((c) => c.depth === pipe.depth);
    if (left && right) right.call.pipedFrom = left.call;
  }
  // A command inside $(…) belongs to the closest command around it at a lesser depth.
  for (const [call, at] of placed) {
    let best: { call: ShellCall; depth: number } | null = null;
    for (const [outer, o] of placed) {
      if (o.depth < at.depth && o.statement.start <= at.start && at.end <= o.statement.end && (!best || o.depth > best.depth)) best = { call: outer, depth: o.depth };
    }
    call.inside = best?.call ?? null;
  }
  return script;
}
