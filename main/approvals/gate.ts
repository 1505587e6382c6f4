import { createHash } from 'node:crypto';
import type { Settings } from '../contract/settings';
import type { AuditLog } from '../audit/audit-log';
import type { EventBus } from '../events/bus';
import type { Logger } from '../log/logger';
import { resolveCwd, type ExecArgs } from '../tools/exec';
import type { CallOrigin, DangerGate, McpCallee, Tool, ToolOutcome } from '../tools/registry';
import type { Approval, ApprovalRule, ApprovalStore } from './approval-store';
import { analyzeCommand, CommandParseError, riskNote, whyNoRule, type Analysis } from './command-line';
import { matchingRule } from './rules';

// The approval gate in front of every dangerous tool call. Nothing runs unless a rule the owner
// made covers it or the owner approves it; the first decision wins (a conditional UPDATE), the
// call runs at most once (another one), every step is in the audit log, and pending approvals
// live in SQLite so they outlast a restart.

export class ApprovalNotFound extends Error {}
export class AlreadyResolved extends Error {
  constructor(readonly approval: Approval) {
    super(`Approval ${approval.id} was already ${approval.status === 'expired' ? 'expired' : approval.status}${approval.decidedBy ? ` (${approval.decidedBy})` : ''}.`);
  }
}

export class NoRuleAllowed extends Error {
  constructor(readonly approval: Approval) {
    super(`“Approve always” is not available for this command: ${approval.noRuleReason}. Approve it once or deny it.`);
  }
}

export interface GateDeps {
  store: ApprovalStore;
  audit: AuditLog;
  bus: EventBus;
  log: Logger;
  workspace: string;
  settings: () => Settings['approvals'];
  tool: (name: string) => Tool | undefined;
  /** Runs validated arguments, bypassing the gate (the gate has decided). */
  execute: (tool: Tool, args: unknown, origin: CallOrigin) => Promise<ToolOutcome>;
  /** Tells a conversation how a call ended when its turn is gone (it was decided after a restart). */
  report: (conversationId: string, text: string) => void;
  now?: () => Date;
}

interface Described {
  kind: 'exec' | 'mcp';
  /** Exactly what is approved: a command line, or an MCP tool's name and its full arguments. */
  command: string;
  cwd: string;
  /** Exactly what runs: for exec, the command and the resolved working directory. */
  args: unknown;
  analysis: Analysis | null;
  /** Only for an MCP tool. */
  mcp?: McpCallee;
}

const hashOf = (tool: string, args: unknown) => createHash('sha256').update(JSON.stringify([tool, args])).digest('hex');

const DENIED = 'The owner denied this command. It did not run: do not claim any result from it.';
const DENIED_MCP = 'The owner denied this tool call. The MCP server was not called: do not claim any result from it.';
const MCP_NO_RULE = 'an MCP tool is allowed by its own rule in Settings → Tools, not by a command rule';

export class ApprovalGate implements DangerGate {
  private readonly waiters = new Map<string, (outcome: ToolOutcome) => void>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly now: () => Date;

  constructor(private readonly deps: GateDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Settles what a crash or a long stop left behind, then watches expiries. */
  async start(): Promise<void> {
    const { store, audit } = this.deps;
    for (const id of store.interruptRunning()) {
      audit.append({ actor: 'system', surface: 'system', action: 'execution.interrupted', subject: `approval:${id}`, details: { note: 'Perch stopped while it ran; not run again' } });
      this.deliver(id, { ok: false, error: 'Perch stopped while this command was running. It was not run again; its result is unknown.' });
    }
    this.expire();
    // Approved just before a crash, never started: the decision stands, so run it now (once).
    for (const id of store.approvedNotRun()) {
      void this.runApproved(id).then(
        (outcome) => this.deliver(id, outcome),
        (error: Error) => this.deps.log.error('an approved command could not run after the restart', { approvalId: id, error: error.message }),
      );
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const [id, waiter] of this.waiters) {
      waiter({ ok: false, error: `Perch is shutting down. Approval ${id} stays pending and can still be decided after a restart.` });
    }
    this.waiters.clear();
  }

  async run({ tool, args, origin }: { tool: Tool; args: unknown; origin: CallOrigin }): Promise<ToolOutcome> {
    const { store, audit, bus } = this.deps;
    let call: Described;
    try {
      call = this.describe(tool, args);
    } catch (error) {
      if (!(error instanceof CommandParseError)) throw error;
      return { ok: false, error: `The command does not parse (${error.message}). Nothing was run.` };
    }
    const surface = origin.channel ?? 'rpc';
    const { policy, expirySeconds } = this.deps.settings();
    if (call.mcp) {
      const decided = await this.mcpRule(tool, call, surface, origin);
      if (decided) return decided;
    } else if (policy === 'deny') {
      audit.append({ actor: 'policy', surface, action: 'request.denied', subject: `tool:${tool.name}`, details: { command: call.command, cwd: call.cwd, policy } });
      return { ok: false, error: 'Running commands is turned off (approval policy: deny). Nothing was run.' };
    }
    const rule = call.mcp ? null : matchingRule(store.rules(), call.command, call.cwd, call.analysis);
    if (rule) {
      store.touchRule(rule.id);
      audit.append({ actor: 'rule', surface, action: 'request.allowed', subject: `rule:${rule.id}`, details: { command: call.command, cwd: call.cwd } });
      const outcome = await this.deps.execute(tool, call.args, origin);
      audit.append({ actor: 'rule', surface, action: 'execution.done', subject: `rule:${rule.id}`, details: { command: call.command, ...summary(outcome) } });
      return outcome;
    }
    if (policy === 'allowlist' && !call.mcp) {
      audit.append({ actor: 'policy', surface, action: 'request.denied', subject: `tool:${tool.name}`, details: { command: call.command, cwd: call.cwd, policy } });
      return { ok: false, error: 'Only commands covered by an "always allow" rule may run (approval policy: allowlist), and none covers this one. Nothing was run.' };
    }

    // The same call asked for again in the same conversation while an earlier request still waits
    // for the owner and nobody here waits on it: the turn that asked was cut off by a crash and its
    // message is being answered again. It waits for that decision rather than asking twice, which
    // would let one message run the command twice (and offered again: the first offer may be lost).
    const hash = hashOf(tool.name, call.args);
    const earlier = origin.conversationId ? store.pendingFor(origin.conversationId, hash).find((id) => !this.waiters.has(id)) : undefined;
    if (earlier) {
      const decided = new Promise<ToolOutcome>((resolve) => this.waiters.set(earlier, resolve));
      this.deps.log.info('a call still waiting for approval was asked for again; waiting for that decision', { approvalId: earlier });
      bus.publish('approval.requested', store.get(earlier)!);
      this.arm();
      return decided;
    }

    const approval = store.transaction(() => {
      const created = store.create({
        tool: tool.name,
        kind: call.kind,
        server: call.mcp?.server ?? null,
        args: call.args,
        command: call.command,
        cwd: call.cwd,
        hash,
        risk: call.mcp ? call.mcp.risk.note : call.analysis ? riskNote(call.analysis.risks) : 'Not a shell command: read the arguments before approving.',
        riskLevel: call.mcp ? call.mcp.risk.level : (call.analysis?.level ?? 'caution'),
        noRuleReason: call.mcp ? MCP_NO_RULE : call.analysis ? whyNoRule(call.analysis) : null,
        conversationId: origin.conversationId,
        channel: origin.channel ?? null,
        ttlMs: expirySeconds * 1000,
      });
      audit.append({ actor: origin.conversationId ? 'agent' : 'owner', surface, action: 'approval.requested', subject: `approval:${created.id}`, details: { command: created.command, cwd: created.cwd, risk: created.risk } });
      return created;
    });
    const decided = new Promise<ToolOutcome>((resolve) => this.waiters.set(approval.id, resolve));
    bus.publish('approval.requested', approval);
    this.arm();
    return decided;
  }

  /** The owner's decision, from any surface. Approving runs the call before this returns. */
  async resolve(id: string, decision: 'approve' | 'deny', remember: boolean, surface: string): Promise<{ approval: Approval; rule: ApprovalRule | null }> {
    const { store, audit, bus } = this.deps;
    const before = store.get(id);
    if (!before) throw new ApprovalNotFound(`No approval with id ${id}.`);
    if (remember && decision === 'approve' && before.noRuleReason) throw new NoRuleAllowed(before);
    const status = decision === 'approve' ? 'approved' : 'denied';
    const result = store.transaction(() => {
      if (!store.decide(id, status, surface)) return null;
      audit.append({ actor: 'owner', surface, action: `approval.${status}`, subject: `approval:${id}`, details: { command: before.command, cwd: before.cwd } });
      if (!remember || decision !== 'approve') return { rule: null };
      const rule = store.addRule('exact', before.command, before.cwd);
      audit.append({ actor: 'owner', surface, action: 'rule.added', subject: `rule:${rule.id}`, details: { kind: rule.kind, command: rule.command, cwd: rule.cwd } });
      return { rule };
    });
    if (!result) {
      this.expire(); // it may have lapsed without the timer having fired yet
      throw new AlreadyResolved(store.get(id)!);
    }
    bus.publish('approval.resolved', store.get(id)!);
    const outcome = decision === 'approve' ? await this.runApproved(id) : ({ ok: false, error: before.kind === 'mcp' ? DENIED_MCP : DENIED } as const);
    this.deliver(id, outcome);
    return { approval: store.get(id)!, rule: result.rule };
  }

  private async runApproved(id: string): Promise<ToolOutcome> {
    const { store, audit, bus } = this.deps;
    const stored = store.stored(id)!;
    const approval = store.get(id)!;
    const tool = this.deps.tool(stored.tool);
    // What runs must be exactly what was approved.
    if (!tool || hashOf(stored.tool, stored.args) !== stored.hash) {
      audit.append({ actor: 'system', surface: 'system', action: 'execution.refused', subject: `approval:${id}`, details: { reason: tool ? 'hash mismatch' : 'unknown tool' } });
      return { ok: false, error: 'What would run differs from what was approved, so nothing was run.' };
    }
    // The owner blocked the tool (or its server) while the request waited: the block wins.
    if (tool.mcp?.rule() === 'block') {
      audit.append({ actor: 'rule', surface: 'system', action: 'execution.refused', subject: `approval:${id}`, details: { reason: 'blocked since it was asked for' } });
      return { ok: false, error: `The owner has since blocked the tool ${tool.mcp.tool} of MCP server ${tool.mcp.server}. It was not called.` };
    }
    if (!store.startRun(id)) return { ok: false, error: `Approval ${id} has already run.` };
    audit.append({ actor: 'system', surface: 'system', action: 'execution.started', subject: `approval:${id}`, details: { command: approval.command, cwd: approval.cwd } });
    const outcome = await this.deps.execute(tool, stored.args, { conversationId: approval.conversationId, channel: approval.channel });
    store.finishRun(id, outcome.ok ? (outcome.exitCode ?? null) : null, outcome.ok ? outcome.output : outcome.error);
    audit.append({ actor: 'system', surface: 'system', action: 'execution.done', subject: `approval:${id}`, details: summary(outcome) });
    bus.publish('approval.resolved', store.get(id)!);
    return outcome;
  }

  /** Hands the outcome to the waiting call, or to the conversation when nobody waits any more. */
  private deliver(id: string, outcome: ToolOutcome): void {
    const waiter = this.waiters.get(id);
    if (waiter) {
      this.waiters.delete(id);
      waiter(outcome);
      return;
    }
    const approval = this.deps.store.get(id);
    if (!approval?.conversationId || this.closed) return;
    const result = outcome.ok ? `It ran:\n${outcome.output}` : outcome.error;
    this.deps.report(approval.conversationId, `[Approval ${id}] The command \`${approval.command}\` you asked to run earlier: ${result}`);
  }

  private expire(): void {
    const { store, audit, bus } = this.deps;
    const seconds = this.deps.settings().expirySeconds;
    const wait = seconds % 60 === 0 ? `${seconds / 60} minute${seconds === 60 ? '' : 's'}` : `${seconds} seconds`;
    for (const id of store.expireDue()) {
      audit.append({ actor: 'system', surface: 'system', action: 'approval.expired', subject: `approval:${id}` });
      bus.publish('approval.resolved', store.get(id)!);
      this.deliver(id, { ok: false, error: `Nobody decided within ${wait}, so the approval expired and the command did not run.` });
    }
    this.arm();
  }

  private arm(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const next = this.deps.store.nextExpiry();
    if (!next) return;
    // Capped so a far expiry re-checks now and then (and stays within setTimeout's range).
    const delay = Math.min(Math.max(next.getTime() - this.now().getTime(), 0) + 5, 60_000);
    this.timer = setTimeout(() => this.expire(), delay);
    this.timer.unref();
  }

  /**
   * An MCP call the owner's rules decide without asking: refused (blocked, or the policy runs
   * nothing or only what a rule allows) or run at once; null when it must ask. The exec command
   * rules never cover it: an MCP tool has its own rule.
   */
  private async mcpRule(tool: Tool, call: Described, surface: string, origin: CallOrigin): Promise<ToolOutcome | null> {
    const { audit } = this.deps;
    const mcp = call.mcp!;
    const { policy } = this.deps.settings();
    const rule = mcp.rule();
    const subject = `mcp:${tool.name}`;
    const details = { server: mcp.server, tool: mcp.tool, arguments: call.args };
    const refuse = (actor: string, error: string) => {
      audit.append({ actor, surface, action: 'request.denied', subject, details: { ...details, rule, policy } });
      return { ok: false, error } as const;
    };
    if (rule === 'block') return refuse('rule', `The owner blocked the tool ${mcp.tool} of MCP server ${mcp.server}. It was not called: do not claim any result from it.`);
    if (policy === 'deny') return refuse('policy', 'Running tools that need approval is turned off (approval policy: deny). The MCP server was not called.');
    if (rule === 'allow') {
      audit.append({ actor: 'rule', surface, action: 'request.allowed', subject, details });
      const outcome = await this.deps.execute(tool, call.args, origin);
      audit.append({ actor: 'rule', surface, action: 'execution.done', subject, details: { server: mcp.server, tool: mcp.tool, ...summary(outcome) } });
      return outcome;
    }
    if (policy === 'allowlist') return refuse('policy', `Only calls an "allow" rule covers may run (approval policy: allowlist), and the tool ${mcp.tool} of MCP server ${mcp.server} is set to ask. It was not called.`);
    return null;
  }

  private describe(tool: Tool, args: unknown): Described {
    if (tool.mcp) {
      // The full arguments, indented so the owner reads every field; the server is named in the cwd's place.
      return { kind: 'mcp', command: `${tool.mcp.tool} ${JSON.stringify(args, null, 2)}`, cwd: `MCP server ${tool.mcp.server}`, args, analysis: null, mcp: tool.mcp };
    }
    if (tool.name === 'exec') {
      const { command, cwd: requested } = args as ExecArgs;
      const cwd = resolveCwd(this.deps.workspace, requested);
      return { kind: 'exec', command, cwd, args: { command, cwd }, analysis: analyzeCommand(command, { cwd, workspace: this.deps.workspace }) };
    }
    return { kind: 'exec', command: `${tool.name} ${JSON.stringify(args)}`, cwd: this.deps.workspace, args, analysis: null };
  }
}

const summary = (outcome: ToolOutcome) => (outcome.ok ? { ok: true, exitCode: outcome.exitCode ?? null } : { ok: false, error: outcome.error.slice(0, 500) });
