import { describe, expect, it } from 'vitest';
import { effectiveRule, riskOfTool } from '../../main/mcp/tool-rules';
import type { McpRule, McpToolAnnotations } from '../../main/mcp/types';

// Which MCP tool calls run, ask or are refused, for every kind of annotation and rule.

const tool = (annotations: McpToolAnnotations) => ({ name: 't', annotations });
const kinds: Record<string, McpToolAnnotations> = {
  readOnly: { readOnlyHint: true },
  destructive: { destructiveHint: true },
  unannotated: {},
  // A tool claiming both is taken at its worse word.
  both: { readOnlyHint: true, destructiveHint: true },
  notReadOnly: { readOnlyHint: false, destructiveHint: false },
};
const each = (server: { rule: McpRule; toolRules: Record<string, McpRule> }, explicit = true) =>
  Object.fromEntries(Object.entries(kinds).map(([kind, a]) => [kind, effectiveRule(tool(a), server, explicit)]));

describe('effectiveRule', () => {
  it('lets only read-only tools follow a server the owner set to allow', () => {
    expect(each({ rule: 'allow', toolRules: {} })).toEqual({ readOnly: 'allow', destructive: 'ask', unannotated: 'ask', both: 'ask', notReadOnly: 'ask' });
  });

  it('asks for everything when the server is at ask, or at an allow the owner did not choose', () => {
    const allAsk = { readOnly: 'ask', destructive: 'ask', unannotated: 'ask', both: 'ask', notReadOnly: 'ask' };
    expect(each({ rule: 'ask', toolRules: {} })).toEqual(allAsk);
    expect(each({ rule: 'allow', toolRules: {} }, false)).toEqual(allAsk);
  });

  it('blocks every tool of a blocked server, whatever their own rules say', () => {
    const allBlock = { readOnly: 'block', destructive: 'block', unannotated: 'block', both: 'block', notReadOnly: 'block' };
    expect(each({ rule: 'block', toolRules: {} })).toEqual(allBlock);
    expect(each({ rule: 'block', toolRules: { t: 'allow' } })).toEqual(allBlock);
  });

  it('takes a per-tool rule over the annotations, in both directions', () => {
    expect(each({ rule: 'ask', toolRules: { t: 'allow' } })).toEqual({ readOnly: 'allow', destructive: 'allow', unannotated: 'allow', both: 'allow', notReadOnly: 'allow' });
    expect(each({ rule: 'allow', toolRules: { t: 'block' } })).toEqual({ readOnly: 'block', destructive: 'block', unannotated: 'block', both: 'block', notReadOnly: 'block' });
    expect(each({ rule: 'allow', toolRules: { t: 'ask' } })).toEqual({ readOnly: 'ask', destructive: 'ask', unannotated: 'ask', both: 'ask', notReadOnly: 'ask' });
  });

  it('applies a per-tool rule to its own tool only, and ignores inherited keys', () => {
    expect(effectiveRule({ name: 'other', annotations: {} }, { rule: 'ask', toolRules: { t: 'allow' } }, true)).toBe('ask');
    expect(effectiveRule({ name: 'toString', annotations: {} }, { rule: 'ask', toolRules: {} }, true)).toBe('ask');
  });
});

describe('riskOfTool', () => {
  it('warns most about destructive tools and never calls a hint a fact', () => {
    expect(riskOfTool({ server: 'fs', annotations: { destructiveHint: true } })).toMatchObject({ level: 'high', note: expect.stringMatching(/^Destructive/) });
    expect(riskOfTool({ server: 'fs', annotations: { readOnlyHint: true } }).note).toMatch(/not checked by Perch/);
    const open = riskOfTool({ server: 'web', annotations: { openWorldHint: true } });
    expect(open).toMatchObject({ level: 'caution' });
    expect(open.note.split('\n')).toEqual([expect.stringMatching(/^Unannotated/), expect.stringMatching(/^Open world/), 'From MCP server web: read the full arguments before approving']);
  });
});
