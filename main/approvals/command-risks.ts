import os from 'node:os';
import path from 'node:path';
import type { ShellCall, ShellWord } from './shell-syntax';

// What one simple command would do that the owner should know before approving: each check
// names what it found ("deletes with rm -rf build"), not a category alone.

export type RiskKind =
  | 'unanalysed'
  | 'hidden'
  | 'pipe-to-shell'
  | 'code'
  | 'injection'
  | 'privilege'
  | 'delete'
  | 'secrets'
  | 'outside-workspace'
  | 'network'
  | 'nested';

export interface Risk {
  kind: RiskKind;
  detail: string;
}

export interface AnalysisContext {
  cwd: string;
  workspace: string;
  home?: string;
  platform?: NodeJS.Platform;
}

export type AddRisk = (kind: RiskKind, detail: string) => void;
/** Analyses a command line found inside another (sh -c, eval) and adds its risks. */
export type AnalyseInner = (script: string, what: string) => void;

export const base = (word: string) => path.basename(word).toLowerCase().replace(/\.exe$/, '');
const shown = (text: string, max = 80) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const wordText = (w: ShellWord) => w.literal ?? w.text;

const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'mksh', 'fish', 'csh', 'tcsh', 'busybox', 'powershell', 'pwsh', 'cmd']);
const INTERPRETERS = new Set([...SHELLS, 'python', 'python2', 'python3', 'node', 'nodejs', 'deno', 'bun', 'perl', 'ruby', 'php', 'lua', 'tclsh', 'osascript', 'iex', 'invoke-expression']);
/** Builtins that run text as commands. */
const EVALUATORS = new Set(['eval', 'source', '.']);
const DOWNLOADERS = new Set(['curl', 'wget', 'invoke-webrequest', 'iwr', 'invoke-restmethod', 'irm', 'fetch', 'aria2c']);
const NETWORK = new Set([...DOWNLOADERS, 'nc', 'ncat', 'netcat', 'ssh', 'scp', 'sftp', 'ftp', 'telnet', 'socat', 'http', 'https', 'mosh']);
const DELETERS = new Set(['rm', 'rmdir', 'unlink', 'shred', 'srm', 'wipe', 'wipefs', 'truncate', 'remove-item', 'del', 'erase', 'rd', 'format']);
const WRITERS = new Set(['cp', 'mv', 'tee', 'touch', 'mkdir', 'install', 'ln', 'dd', 'rsync', 'chmod', 'chown', 'set-content', 'out-file', 'copy-item', 'move-item', 'new-item']);
const WRAPPERS = new Set(['env', 'nohup', 'time', 'nice', 'ionice', 'timeout', 'stdbuf', 'command', 'builtin', 'exec', 'xargs', 'setsid', 'chrt', 'taskset', 'unbuffer']);
const ELEVATORS = new Set(['sudo', 'doas', 'pkexec', 'su', 'runas', 'gosu', 'run0']);
/** Flags that take inline code, per interpreter. */
const INLINE_CODE: Record<string, string[]> = {
  python: ['-c'], python2: ['-c'], python3: ['-c'], node: ['-e', '--eval', '-p', '--print'], nodejs: ['-e', '--eval', '-p', '--print'],
  bun: ['-e', '--eval', '-p', '--print'], deno: ['eval'], perl: ['-e', '-E'], ruby: ['-e'], php: ['-r'], lua: ['-e'], osascript: ['-e'], rscript: ['-e'],
};
/** Variables that make a program load or run other code. */
const INJECTING_VARIABLE = /^(LD_\w+|DYLD_\w+|BASH_ENV|ENV|PROMPT_COMMAND|PS4|IFS|PATH|CDPATH|SHELLOPTS|BASHOPTS|BASH_FUNC_\w+|NODE_OPTIONS|NODE_PATH|PYTHONPATH|PYTHONSTARTUP|PYTHONHOME|PYTHONINSPECT|PERL5OPT|PERL5LIB|PERLLIB|RUBYOPT|RUBYLIB|GIT_\w+|PAGER|MANPAGER|EDITOR|VISUAL|LESSOPEN|LESSCLOSE|SSH_ASKPASS|SUDO_ASKPASS|GCONV_PATH|JAVA_TOOL_OPTIONS|_JAVA_OPTIONS|HOSTALIASES)$/;
/** git settings whose value is a program git runs. */
const GIT_RUNS = /^(core\.(pager|editor|sshcommand|fsmonitor|hookspath|gitproxy|askpass)|alias\..*|.*\.(command|cmd|program|helper|textconv|driver|tool|path)|diff\.external|sequence\.editor|pager\..*|protocol\..*|uploadpack\..*|include\..*|includeif\..*|credential\..*|filter\..*)$/i;

// Files whose contents are credentials, and other programs' environments (which hold tokens).
const SECRET_PATHS = [
  /(^|\/)\.ssh(\/|$)/, /(^|\/)id_(rsa|dsa|ecdsa|ed25519)\b/, /(^|\/)\.aws\/credentials/, /(^|\/)\.env(\.|$)/,
  /^\/etc\/(shadow|gshadow|sudoers)/, /(^|\/)\.netrc$/, /(^|\/)\.gnupg(\/|$)/, /(^|\/)\.kube\/config/,
  /(^|\/)\.docker\/config\.json/, /(^|\/)\.npmrc$/, /(^|\/)\.pypirc$/, /(^|\/)\.git-credentials$/, /\.(pem|key|p12|pfx)$/i,
  /(^|\/)\.config\/gh\/hosts\.yml/, /keychain/i, /(^|\/)Login Data$/, /(^|\/)secrets\.json$/,
  /\/proc\/[^/\s]+\/(mem|maps|auxv)\b/,
];
/** Another process's environment (or its threads'), which holds its tokens and keys. */
const ENVIRON = /\/proc\/[^/\s]+\/(task\/[^/\s]+\/)?environ\b/;

export interface Unwrapped {
  program: string;
  /** Index of the program's word in the call. */
  index: number;
  args: string[];
  elevated: string | null;
  /** Variables set through env VAR=… in front of the program. */
  assigned: string[];
}

/** The program a simple command runs, past wrappers like sudo, env or nohup. */
export function unwrap(words: ShellWord[]): Unwrapped {
  const text = words.map(wordText);
  let i = 0;
  let elevated: string | null = null;
  const assigned: string[] = [];
  while (i < text.length) {
    const name = base(text[i]!);
    if (ELEVATORS.has(name)) {
      elevated ??= name;
      i++;
      // Options of the wrapper itself (sudo -u root …).
      while (i < text.length && text[i]!.startsWith('-')) i += ['-u', '-g', '-C', '-p', '-h'].includes(text[i]!) ? 2 : 1;
    } else if (WRAPPERS.has(name)) {
      i++;
      while (i < text.length && (text[i]!.startsWith('-') || /^[A-Za-z_]\w*=/.test(text[i]!) || (['timeout', 'nice', 'taskset', 'chrt'].includes(name) && /^[\d.]/.test(text[i]!)))) {
        if (/^[A-Za-z_]\w*=/.test(text[i]!)) assigned.push(text[i]!.split('=')[0]!);
        i++;
      }
    } else break;
  }
  return { program: base(text[i] ?? ''), index: i, args: text.slice(i + 1), elevated, assigned };
}

function decodes(from: Unwrapped): string | null {
  const { program, args } = from;
  const flag = (...flags: string[]) => args.some((a) => flags.includes(a));
  if ((program === 'base64' || program === 'base32') && flag('-d', '--decode', '-D')) return `${program} -d`;
  if (program === 'xxd' && flag('-r')) return 'xxd -r';
  if (program === 'openssl' && flag('-d')) return 'openssl -d';
  if (['gunzip', 'zcat', 'bzcat', 'xzcat', 'unxz', 'bunzip2', 'uudecode', 'rev', 'tr'].includes(program)) return program;
  if (['gzip', 'xz', 'bzip2', 'zstd'].includes(program) && flag('-d', '--decompress')) return `${program} -d`;
  return null;
}

export function callRisks(call: ShellCall, ctx: AnalysisContext, add: AddRisk, inner: AnalyseInner): void {
  const home = ctx.home ?? os.homedir();
  const resolve = (p: string) => path.resolve(ctx.cwd, p.replace(/^~(?=$|\/)/, home));
  const outside = (p: string) => {
    if (!p || p.startsWith('$') || p === '/dev/null' || p.startsWith('/dev/fd/') || /^&?\d$/.test(p)) return false;
    const rel = path.relative(ctx.workspace, resolve(p));
    return rel.startsWith('..') || path.isAbsolute(rel);
  };
  const secret = (p: string) => ENVIRON.test(p) || SECRET_PATHS.some((re) => re.test(p.replace(/^~/, home)));

  const unwrapped = unwrap(call.words);
  const { program, args, elevated } = unwrapped;
  const programWord = call.words[unwrapped.index];

  if (programWord && programWord.literal === null) add('code', `the program to run is computed when it runs: ${shown(programWord.text)}`);
  for (const name of [...call.assigns.map((a) => a.name), ...unwrapped.assigned]) {
    if (INJECTING_VARIABLE.test(name)) add('injection', `sets ${name}, which can make ${program || 'the shell'} load or run other code`);
  }

  if (elevated) add('privilege', `runs ${program || 'a command'} as another user with ${elevated}`);
  if (program === 'chmod' && args.some((a) => /^([ugoa]*\+[rwx]*s|[2467]\d{3})$/.test(a))) add('privilege', 'sets a setuid/setgid bit');
  if (program === 'chown' && args.some((a) => /^root(:|$)/.test(a))) add('privilege', 'hands files to root');
  if (program === 'setcap') add('privilege', 'grants capabilities to a program');
  if (program === 'start-process' && args.some((a) => /^runas$/i.test(a))) add('privilege', 'starts a process elevated');

  if (DELETERS.has(program)) add('delete', `deletes with ${program}${args.length ? ` ${args.filter((a) => !a.startsWith('-')).join(' ')}` : ''}`.trim());
  if (program === 'find' && args.some((a) => a === '-delete' || a === '-exec' || a === '-execdir' || a === '-ok')) add('delete', 'find may delete or run commands on every match');
  if (program === 'dd' && args.some((a) => a.startsWith('of='))) add('delete', 'dd overwrites its output');
  if (/^mkfs/.test(program) || ['fdisk', 'parted', 'diskutil'].includes(program)) add('delete', `${program} can erase a disk`);
  if (program === 'mv') add('delete', 'mv may overwrite the destination');
  if (program === 'git' && (args[0] === 'clean' || (args[0] === 'reset' && args.includes('--hard')) || (args[0] === 'push' && args.some((a) => a === '-f' || a === '--force')))) {
    add('delete', `git ${args[0]} discards work`);
  }
  for (const r of call.redirects) {
    const target = r.target ? wordText(r.target) : '';
    if ((r.op === '>' || r.op === '>|' || r.op === '&>') && target !== '/dev/null' && !/^&?\d$/.test(target)) add('delete', `overwrites ${target} (>)`);
    if (['>', '>>', '>|', '&>', '&>>', '<>'].includes(r.op) && outside(target)) add('outside-workspace', `writes ${resolve(target)}`);
    if (secret(target)) add('secrets', `touches ${target}`);
  }

  if (NETWORK.has(program)) add('network', `${program} talks to the network`);
  if (program === 'git' && ['clone', 'fetch', 'pull', 'push', 'ls-remote', 'submodule'].includes(args[0] ?? '')) add('network', `git ${args[0]} talks to the network`);
  if (['npm', 'pnpm', 'yarn', 'pip', 'pip3', 'gem', 'cargo', 'brew', 'apt', 'apt-get', 'winget', 'choco'].includes(program) && ['install', 'i', 'add', 'publish', 'update', 'upgrade'].includes(args[0] ?? '')) {
    add('network', `${program} ${args[0]} downloads packages`);
  }
  if (program === 'rsync' && args.some((a) => /^[\w.-]+@?[\w.-]*:/.test(a))) add('network', 'rsync to or from another host');
  const url = [program, ...args].find((w) => /^[a-z][a-z0-9+.-]*:\/\/\S/i.test(w));
  if (url && !NETWORK.has(program)) add('network', `contacts ${url}`);

  // Code that runs without being shown as a command: fed in through a pipe or a substitution,
  // given inline to an interpreter, or evaluated from text.
  const runsCode = INTERPRETERS.has(program) || EVALUATORS.has(program);
  if (call.pipedFrom && runsCode) {
    const from = unwrap(call.pipedFrom.words);
    const decoder = decodes(from);
    if (DOWNLOADERS.has(from.program)) add('pipe-to-shell', `pipes a download from ${from.program} into ${program}`);
    else if (decoder) add('hidden', `decodes hidden text with ${decoder} and runs it with ${program}`);
    else if (!args.some((a) => !a.startsWith('-')) || args.includes('-')) add('code', `runs the output of ${from.program || 'another command'} as ${program} code`);
  }
  if (call.inside && DOWNLOADERS.has(program)) {
    const outer = unwrap(call.inside.words).program;
    if (INTERPRETERS.has(outer) || EVALUATORS.has(outer)) add('pipe-to-shell', `feeds a download from ${program} to ${outer}`);
  }
  if (runsCode && call.redirects.some((r) => r.op === '<<<' || r.op === '<<' || r.op === '<<-')) add('code', `runs ${program} code from a here-document or here-string`);
  const inlineFlags = INLINE_CODE[program];
  if (inlineFlags) {
    const at = args.findIndex((a) => inlineFlags.includes(a) || inlineFlags.some((f) => f.startsWith('--') && a.startsWith(`${f}=`)));
    if (at >= 0) add('code', `runs inline ${program} code: ${shown(args[at]!.includes('=') ? args[at]!.split('=').slice(1).join('=') : (args[at + 1] ?? ''))}`);
  }
  if (['awk', 'gawk', 'mawk', 'nawk'].includes(program) && args.some((a) => /system\s*\(|\|\s*getline|print[^;]*\|/.test(a))) add('code', `the ${program} program runs commands: ${shown(args.find((a) => /system|getline|\|/.test(a))!)}`);
  if (SHELLS.has(program)) {
    const at = args.findIndex((a) => a === '-c' || /^-[a-z]*c$/.test(a) || /^-command$/i.test(a));
    if (at >= 0) {
      const word = call.words[unwrapped.index + 1 + at + 1];
      // A command line given as text: a rule may not cover it, whatever it holds.
      if (word && word.literal !== null) {
        add('code', `${program} -c runs a command line of its own: ${shown(word.literal)}`);
        inner(word.literal, `${program} -c`);
      } else if (word) add('code', `${program} -c runs a script computed when it runs: ${shown(word.text)}`);
    }
  }
  if (program === 'eval') {
    add('code', `eval runs its arguments as a command: ${shown(args.join(' '))}`);
    const rest = call.words.slice(unwrapped.index + 1);
    if (rest.every((w) => w.literal !== null)) inner(rest.map((w) => w.literal).join(' '), 'eval');
  }
  if ((program === 'source' || program === '.') && args[0]) add('code', `${program} runs the commands in ${args[0]}`);

  if (program === 'git') gitRisks(args, add);

  if (WRITERS.has(program)) {
    const targets = args.filter((a) => !a.startsWith('-'));
    const destination = program === 'dd' ? args.find((a) => a.startsWith('of='))?.slice(3) : ['cp', 'mv', 'install', 'ln', 'rsync', 'copy-item', 'move-item'].includes(program) ? targets.at(-1) : undefined;
    for (const t of destination !== undefined ? [destination] : targets.filter((t) => !/^[+\d]/.test(t))) {
      if (outside(t)) add('outside-workspace', `${program} writes ${resolve(t)}`);
    }
  }
  if (DELETERS.has(program)) for (const t of args.filter((a) => !a.startsWith('-'))) if (outside(t)) add('outside-workspace', `${program} removes ${resolve(t)}`);

  for (const word of [...args, ...call.redirects.filter((r) => r.op.startsWith('<') && r.target).map((r) => wordText(r.target!))]) {
    if (ENVIRON.test(word)) add('secrets', `reads ${word}: another program's environment, which can hold tokens and keys`);
    else if (secret(word)) add('secrets', `reads ${word}`);
  }
}

/** git options and settings that make git run another program. */
function gitRisks(args: string[], add: AddRisk): void {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('-')) {
      if (arg === 'config') {
        const key = args.slice(i + 1).find((a) => !a.startsWith('-'));
        if (key && GIT_RUNS.test(key) && args.length > i + 2) add('injection', `git config sets ${key}, which makes git run a program of its choosing later`);
      }
      break;
    }
    const setting = arg === '-c' ? args[i + 1] : arg.startsWith('-c') ? arg.slice(2) : arg.startsWith('--config-env') ? (arg.split('=')[1] ?? args[i + 1]) : undefined;
    if (arg === '-c' || arg === '--config-env') i++;
    if (setting !== undefined) {
      const key = setting.split('=')[0]!;
      add('injection', GIT_RUNS.test(key) ? `git -c ${key}=… makes git run another program: ${shown(setting)}` : `git -c changes git's configuration for this run: ${shown(setting)}`);
    }
    if (arg.startsWith('--exec-path')) add('injection', 'git --exec-path makes git run programs from another folder');
  }
  const sub = args.find((a) => !a.startsWith('-'));
  const names = args.some((a) => /^--(upload-pack|receive-pack|exec)(=|$)/.test(a)) || (['clone', 'fetch', 'pull', 'ls-remote', 'archive'].includes(sub ?? '') && args.includes('-u'));
  if (names) add('injection', `a git ${sub ?? ''} option here names a program for git to run`.replace('  ', ' '));
}
