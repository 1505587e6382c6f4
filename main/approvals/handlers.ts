import { appError } from '../contract/errors';
import type { AuditLog } from '../audit/audit-log';
import { surfaceOf, type Handlers } from '../gateway/router';
import type { ApprovalStore } from './approval-store';
import { AlreadyResolved, ApprovalNotFound, NoRuleAllowed, type ApprovalGate } from './gate';
import { ruleProblem } from './rules';


export function approvalHandlers(gate: ApprovalGate, store: ApprovalStore, audit: AuditLog): Handlers {
  const checkRule = (kind: 'exact' | 'pattern', command: string) => {
    const problem = ruleProblem(kind, command);
    if (problem) throw appError('invalid_rule', `This rule cannot be saved: ${problem}.`, { kind, command });
  };
  const ruleOrThrow = (id: number) => {
    const rule = store.rule(id);
    if (!rule) throw appError('not_found', `No rule with id ${id}`, { ruleId: id });
    return rule;
  };
  return {
    'approvals.list': ({ status, cursor, limit }) => store.list(status, cursor, limit),
    'approvals.resolve': async ({ id, decision, remember }, ctx) => {
      try {
        return await gate.resolve(id, decision, remember, surfaceOf(ctx));
      } catch (error) {
        if (error instanceof ApprovalNotFound) throw appError('not_found', error.message, { approvalId: id });
        if (error instanceof NoRuleAllowed) throw appError('invalid_rule', error.message, { approvalId: id, reason: error.approval.noRuleReason });
        if (error instanceof AlreadyResolved) throw appError('already_resolved', error.message, { approvalId: id, status: error.approval.status });
        throw error;
      }
    },
    'approvals.rules.list': () => ({ items: store.rules() }),
    'approvals.rules.add': ({ kind, command, cwd }, ctx) => {
      checkRule(kind, command);
      return store.transaction(() => {
        const rule = store.addRule(kind, command, cwd);
        audit.append({ actor: 'owner', surface: surfaceOf(ctx), action: 'rule.added', subject: `rule:${rule.id}`, details: { kind, command, cwd } });
        return rule;
      });
    },
    'approvals.rules.update': ({ id, kind, command, cwd }, ctx) => {
      const before = ruleOrThrow(id);
      checkRule(kind, command);
      return store.transaction(() => {
        store.updateRule(id, { kind, command, cwd });
        audit.append({ actor: 'owner', surface: surfaceOf(ctx), action: 'rule.updated', subject: `rule:${id}`, details: { before: { kind: before.kind, command: before.command, cwd: before.cwd }, after: { kind, command, cwd } } });
        return store.rule(id)!;
      });
    },
    'approvals.rules.remove': ({ id }, ctx) => {
      const before = ruleOrThrow(id);
      store.transaction(() => {
        store.removeRule(id);
        audit.append({ actor: 'owner', surface: surfaceOf(ctx), action: 'rule.removed', subject: `rule:${id}`, details: { kind: before.kind, command: before.command, cwd: before.cwd } });
      });
      return { removed: true as const };
    },
  };
}
