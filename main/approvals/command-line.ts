import os from 'node:os';
import path from 'node:path';
import { parse, type ParseEntry } from 'shell-quote';

// What a command line would do, from a real parse of it (shell-quote's tokenizer, plus our own
// check for unterminated quotes, which it forgives): the simple commands it runs, how they are
// joined, where output is redirected, and the risks the owner should see before approving.

export class CommandParseError extends Error {}

export type RiskKind = 'delete' | 'privilege' | 'network' | 'pipe-to-shell' | 'outside-workspace' | 'secrets';

export interface Risk {
  kind: RiskKind;
  detail: string;
}

interface Redirect {
  op: string;
  target: string;
}

interface SimpleCommand {
  argv: string[];
  redirects: Redirect[];
  /** The operator that joined this command to the previous one ('|', '&&', ';' …), if any. */
  joinedBy: string | null;
}

export interface Analysis {
  commands: SimpleCommand[];
  /** One command, no operators, redirections or substitutions: what a pattern rule may cover. */
  simple: boolean;
  risks: Risk[];
}

const CONTROL = new Set([';', '&&', '||', '|', '|&', '&', ';;', '(', ')', '<(', '>(']);
const REDIRECT = new Set(['>', '>>', '<', '>&', '<&', '&>', '&>>', '>|', '<<', '<<<']);

/** Throws CommandParseError for what a shell would reject: unterminated quotes or substitutions. */
function checkBalanced(command: string): void {
  let quote: "'" | '"' | '`' | null = null;
  let depth = 0;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (quote === "'") {
      if (c === "'") quote = null;
      continue;
    }
    if (c === '\\') {
      i++;
      continue;
    }
    if (quote === '"' || quote === '`') {
      if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '$' && command[i + 1] === '(') {
      depth++;
      i++;
    } else if (c === '(') depth++;
    else if (c === ')') depth--;
    if (depth < 0) throw new CommandParseError(`unexpected ")" at position ${i + 1}`);
  }
  if (quote) throw new CommandParseError(`unterminated ${quote === "'" ? 'single quote' : quote === '"' ? 'double quote' : 'backquote'}`);
  if (depth > 0) throw new CommandParseError('unclosed "(" or "$("');
}

// Substitutions run commands too: their contents are analysed like the rest.
const SUBSTITUTION = /\$\(([^()]*)\)|`([^`]*)`/g;

function tokenize(command: string): ParseEntry[] {
  // Variables stay visible as $NAME rather than expanding to our own environment.
  return parse(command, (name) => `$${name}`);
}

function split(command: string, nested: string[]): { commands: SimpleCommand[]; operators: number } {
  const commands: SimpleCommand[] = [];
  let current: SimpleCommand = { argv: [], redirects: [], joinedBy: null };
  let operators = 0;
  const entries = tokenize(command);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (typeof entry === 'string') {
      for (const match of entry.matchAll(SUBSTITUTION)) nested.push(match[1] ?? match[2] ?? '');
      current.argv.push(entry);
      continue;
    }
    if ('comment' in entry) break;
    if ('pattern' in entry) {
      current.argv.push(entry.pattern);
      continue;
    }
    const op = entry.op;
    if (REDIRECT.has(op)) {
      operators++;
      const next = entries[i + 1];
      // A file-descriptor prefix such as the "2" in 2> belongs to the redirect, not the argv.
      if (/^\d$/.test(current.argv.at(-1) ?? '')) current.argv.pop();
      current.redirects.push({ op, target: typeof next === 'string' ? next : '' });
      if (typeof next === 'string') i++;
      continue;
    }
    if (CONTROL.has(op)) {
      operators++;
      if (current.argv.length > 0 || current.redirects.length > 0) commands.push(current);
      current = { argv: [], redirects: [], joinedBy: op };
    }
  }
  if (current.argv.length > 0 || current.redirects.length > 0) commands.push(current);
  return { commands, operators };
}

/** The program a simple command runs, past variable assignments and wrappers like sudo or env. */
function unwrap(argv: string[]): { program: string; args: string[]; elevated: string | null } {
  let i = 0;
  let elevated: string | null = null;
  while (i < argv.length) {
    const word = argv[i]!;
    const name = base(word);
    if (/^[A-Za-z_]\w*=/.test(word)) i++;
    else if (['sudo', 'doas', 'pkexec', 'su', 'runas'].includes(name)) {
      elevated ??= name;
      i++;
      // Options of the wrapper itself (sudo -u root …).
      while (i < argv.length && argv[i]!.startsWith('-')) i += ['-u', '-g', '-C', '-p'].includes(argv[i]!) ? 2 : 1;
    } else if (['env', 'nohup', 'time', 'nice', 'timeout', 'stdbuf', 'command', 'exec', 'xargs'].includes(name)) {
      i++;
      while (i < argv.length && (argv[i]!.startsWith('-') || /^[A-Za-z_]\w*=/.test(argv[i]!) || (name === 'timeout' && /^\d/.test(argv[i]!)))) i++;
    } else break;
  }
  return { program: base(argv[i] ?? ''), args: argv.slice(i + 1), elevated };
}

const base = (word: string) => path.basename(word).toLowerCase().replace(/\.exe$/, '');

const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'fish', 'powershell', 'pwsh', 'cmd']);
const INTERPRETERS = new Set([...SHELLS, 'python', 'python3', 'node', 'perl', 'ruby', 'php', 'iex', 'invoke-expression']);
const DOWNLOADERS = new Set(['curl', 'wget', 'invoke-webrequest', 'iwr', 'invoke-restmethod', 'irm', 'fetch', 'aria2c']);
const NETWORK = new Set([...DOWNLOADERS, 'nc', 'ncat', 'netcat', 'ssh', 'scp', 'sftp', 'ftp', 'telnet', 'socat', 'http', 'https', 'mosh']);
const DELETERS = new Set(['rm', 'rmdir', 'unlink', 'shred', 'srm', 'wipe', 'wipefs', 'truncate', 'remove-item', 'del', 'erase', 'rd', 'format']);
const WRITERS = new Set(['cp', 'mv', 'tee', 'touch', 'mkdir', 'install', 'ln', 'dd', 'rsync', 'chmod', 'chown', 'set-content', 'out-file', 'copy-item', 'move-item', 'new-item']);

// Files whose contents are credentials.
const SECRET_PATHS = [
  /(^|\/)\.ssh(\/|$)/, /(^|\/)id_(rsa|dsa|ecdsa|ed25519)\b/, /(^|\/)\.aws\/credentials/, /(^|\/)\.env(\.|$)/,
  /^\/etc\/(shadow|gshadow|sudoers)/, /(^|\/)\.netrc$/, /(^|\/)\.gnupg(\/|$)/, /(^|\/)\.kube\/config/,
  /(^|\/)\.docker\/config\.json/, /(^|\/)\.npmrc$/, /(^|\/)\.pypirc$/, /(^|\/)\.git-credentials$/, /\.(pem|key|p12|pfx)$/i,
  /(^|\/)\.config\/gh\/hosts\.yml/, /keychain/i, /(^|\/)Login Data$/, /(^|\/)secrets\.json$/,
];

export interface AnalysisContext {
  cwd: string;
  workspace: string;
  home?: string;
}

export function analyzeCommand(command: string, ctx: AnalysisContext): Analysis {
  checkBalanced(command);
  const nested: string[] = [];
  const { commands, operators } = split(command, nested);
  if (commands.length === 0) throw new CommandParseError('there is no command to run');
  const risks: Risk[] = [];
  const add = (kind: RiskKind, detail: string) => {
    if (!risks.some((r) => r.kind === kind && r.detail === detail)) risks.push({ kind, detail });
  };
  const home = ctx.home ?? os.homedir();
  const resolve = (p: string) => path.resolve(ctx.cwd, p.replace(/^~(?=$|\/)/, home));
  const outside = (p: string) => {
    if (!p || p.startsWith('$') || p === '/dev/null' || p.startsWith('/dev/fd/') || /^&?\d$/.test(p)) return false;
    const rel = path.relative(ctx.workspace, resolve(p));
    return rel.startsWith('..') || path.isAbsolute(rel);
  };
  const secret = (p: string) => SECRET_PATHS.some((re) => re.test(p.replace(/^~/, home)));

  commands.forEach((cmd, index) => {
    const { program, args, elevated } = unwrap(cmd.argv);
    const words = [program, ...args];
    if (elevated) add('privilege', `runs ${program || 'a command'} as another user with ${elevated}`);
    if (program === 'chmod' && args.some((a) => /^([ugoa]*\+[rwx]*s|[2467]\d{3})$/.test(a))) add('privilege', 'sets a setuid/setgid bit');
    if (program === 'chown' && args.some((a) => /^root(:|$)/.test(a))) add('privilege', 'hands files to root');
    if (program === 'setcap') add('privilege', 'grants capabilities to a program');
    if (program === 'start-process' && args.some((a) => /^runas$/i.test(a))) add('privilege', 'starts a process elevated');

    if (DELETERS.has(program)) add('delete', `deletes with ${program}${args.length ? ` ${args.filter((a) => !a.startsWith('-')).join(' ')}` : ''}`.trim());
    if (program === 'find' && args.some((a) => a === '-delete' || a === '-exec')) add('delete', 'find may delete or run commands on every match');
    if (program === 'dd' && args.some((a) => a.startsWith('of='))) add('delete', 'dd overwrites its output');
    if (/^mkfs/.test(program) || ['fdisk', 'parted', 'diskutil'].includes(program)) add('delete', `${program} can erase a disk`);
    if (program === 'mv') add('delete', 'mv may overwrite the destination');
    if (program === 'git' && (args[0] === 'clean' || (args[0] === 'reset' && args.includes('--hard')) || (args[0] === 'push' && args.some((a) => a === '-f' || a === '--force')))) {
      add('delete', `git ${args[0]} discards work`);
    }
    for (const r of cmd.redirects) {
      if (r.op === '>' || r.op === '>|' || r.op === '&>') {
        if (r.target !== '/dev/null' && !/^&?\d$/.test(r.target)) add('delete', `overwrites ${r.target} (>)`);
      }
      if (['>', '>>', '>|', '&>', '&>>'].includes(r.op) && outside(r.target)) add('outside-workspace', `writes ${resolve(r.target)}`);
      if (secret(r.target)) add('secrets', `touches ${r.target}`);
    }

    if (NETWORK.has(program)) add('network', `${program} talks to the network`);
    if (program === 'git' && ['clone', 'fetch', 'pull', 'push', 'ls-remote', 'submodule'].includes(args[0] ?? '')) add('network', `git ${args[0]} talks to the network`);
    if (['npm', 'pnpm', 'yarn', 'pip', 'pip3', 'gem', 'cargo', 'brew', 'apt', 'apt-get', 'winget', 'choco'].includes(program) && ['install', 'i', 'add', 'publish', 'update', 'upgrade'].includes(args[0] ?? '')) {
      add('network', `${program} ${args[0]} downloads packages`);
    }
    if (program === 'rsync' && args.some((a) => /^[\w.-]+@?[\w.-]*:/.test(a))) add('network', 'rsync to or from another host');
    const url = words.find((w) => /^[a-z][a-z0-9+.-]*:\/\/\S/i.test(w));
    if (url && !NETWORK.has(program)) add('network', `contacts ${url}`);

    // A download fed straight into an interpreter: remote code runs unseen.
    const previous = commands[index - 1];
    if (cmd.joinedBy?.startsWith('|') && previous && DOWNLOADERS.has(unwrap(previous.argv).program) && INTERPRETERS.has(program)) {
      add('pipe-to-shell', `pipes a download from ${unwrap(previous.argv).program} into ${program}`);
    }
    if (cmd.joinedBy === '<(' && DOWNLOADERS.has(program)) add('pipe-to-shell', `feeds a download from ${program} to a shell`);
    if (INTERPRETERS.has(program) && nested.some((n) => DOWNLOADERS.has(unwrap(n.trim().split(/\s+/)).program))) add('pipe-to-shell', `runs a download with ${program}`);

    if (WRITERS.has(program)) {
      const targets = args.filter((a) => !a.startsWith('-'));
      const destination = program === 'dd' ? args.find((a) => a.startsWith('of='))?.slice(3) : ['cp', 'mv', 'install', 'ln', 'rsync', 'copy-item', 'move-item'].includes(program) ? targets.at(-1) : undefined;
      for (const t of destination !== undefined ? [destination] : targets.filter((t) => !/^[+\d]/.test(t))) {
        if (outside(t)) add('outside-workspace', `${program} writes ${resolve(t)}`);
      }
    }
    if (DELETERS.has(program)) for (const t of args.filter((a) => !a.startsWith('-'))) if (outside(t)) add('outside-workspace', `${program} removes ${resolve(t)}`);

    for (const word of [...args, ...cmd.redirects.filter((r) => r.op.startsWith('<')).map((r) => r.target)]) {
      if (secret(word)) add('secrets', `reads ${word}`);
    }
  });

  // Commands inside $(…) and backquotes run too.
  for (const inner of nested) {
    if (!inner.trim()) continue;
    try {
      for (const risk of analyzeCommand(inner, ctx).risks) add(risk.kind, risk.detail);
    } catch {
      // the outer check already proved the line balanced; an empty or odd inner part adds nothing
    }
  }
  // sh -c "…" runs its argument as a command line.
  for (const cmd of commands) {
    const { program, args } = unwrap(cmd.argv);
    const script = SHELLS.has(program) ? args[args.findIndex((a) => a === '-c' || /^-command$/i.test(a)) + 1] : undefined;
    if (script !== undefined && args.some((a) => a === '-c' || /^-command$/i.test(a))) {
      try {
        for (const risk of analyzeCommand(script, ctx).risks) add(risk.kind, risk.detail);
      } catch (error) {
        add('delete', `runs a script that does not parse (${(error as Error).message})`);
      }
    }
  }

  return { commands, simple: commands.length === 1 && operators === 0 && nested.length === 0, risks };
}

const LABELS: Record<RiskKind, string> = {
  'pipe-to-shell': 'Runs downloaded code',
  privilege: 'Privilege escalation',
  delete: 'Deletes or overwrites',
  'outside-workspace': 'Writes outside the workspace',
  secrets: 'Reads secret files',
  network: 'Network access',
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
