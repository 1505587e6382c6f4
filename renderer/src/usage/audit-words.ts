// The audit log's records in words: what happened, who did it and from where, what it was about.
// The codes stay available (in a title) for whoever compares with the database.

const ACTIONS: Record<string, string> = {
  'approval.requested': 'Asked to run a command',
  'approval.approved': 'Approved',
  'approval.denied': 'Denied',
  'approval.expired': 'Expired unanswered',
  'request.allowed': 'Allowed by a rule',
  'request.denied': 'Refused by the policy',
  'execution.started': 'Command started',
  'execution.done': 'Command finished',
  'execution.interrupted': 'Interrupted when Perch stopped',
  'execution.refused': 'Refused to run',
  'rule.added': '“Always allow” rule added',
  'rule.updated': '“Always allow” rule changed',
  'rule.removed': '“Always allow” rule revoked',
  'audit.broken': 'The chain was found broken',
  'audit.keyed': 'Sealing with a key began',
  'audit.triggers_recreated': 'Protection of the log restored',
};

const ACTORS: Record<string, string> = { owner: 'You', agent: 'The assistant', policy: 'The policy', rule: 'A rule', system: 'Perch' };
const SURFACES: Record<string, string> = { dashboard: 'the dashboard', desktop: 'the desktop app', local: 'Perch itself', system: 'Perch itself', rpc: 'a script or app (the gateway)', telegram: 'Telegram', whatsapp: 'WhatsApp', policy: 'the policy' };

export const actionWords = (action: string) => ACTIONS[action] ?? action;
export const actorWords = (actor: string) => ACTORS[actor] ?? actor;
export const surfaceWords = (surface: string) => SURFACES[surface] ?? surface;

/** "approval:ab12cd" → "Approval ab12cd", "rule:3" → "Rule 3". */
export function subjectWords(subject: string): string {
  const [kind, id] = subject.split(/:(.*)/s);
  if (!id) return subject;
  const names: Record<string, string> = { approval: 'Approval', rule: 'Rule', tool: 'Tool', audit: 'Record' };
  return `${names[kind!] ?? kind} ${id}`;
}

const KEYS: Record<string, string> = { command: 'command', cwd: 'folder', risk: 'risk', policy: 'policy', reason: 'reason', kind: 'kind', note: 'note', exitCode: 'exit code', before: 'before', after: 'after' };
export const detailKey = (key: string) => KEYS[key] ?? key;
