import { z } from 'zod';

// Approvals and "always allow" rules: used by methods and events alike.

export const approvalSchema = z.object({
  /** Short, to be typed into a chat reply. */
  id: z.string(),
  tool: z.string(),
  /** exec: a command line; mcp: a call of an MCP server's tool (`tool` is its namespaced name). */
  kind: z.enum(['exec', 'mcp']),
  /** The MCP server's id; null for exec. */
  server: z.string().nullable(),
  /** Exactly what will run: the command line, or for mcp the tool's name and its full arguments as JSON. */
  command: z.string(),
  /** The working directory; for mcp, "MCP server <id>". */
  cwd: z.string(),
  /** One line per risk found in the command line, most serious first. */
  risk: z.string(),
  /** high: the dashboard warns and offers no "Approve always"; caution: worth a second look. */
  riskLevel: z.enum(['high', 'caution', 'none']),
  /** Why "Approve always" is not offered for it; null when it is. */
  noRuleReason: z.string().nullable(),
  conversationId: z.string().nullable(),
  channel: z.string().nullable(),
  status: z.enum(['pending', 'approved', 'denied', 'expired']),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  decidedAt: z.iso.datetime().nullable(),
  /** The surface the decision came from (dashboard, desktop, telegram, whatsapp, policy …). */
  decidedBy: z.string().nullable(),
  run: z.object({ state: z.enum(['running', 'done', 'interrupted']), exitCode: z.number().int().nullable(), output: z.string() }).nullable(),
});

export const ruleFields = {
  /** exact: this command line only; pattern: a simple command where * stands for any text. */
  kind: z.enum(['exact', 'pattern']),
  command: z.string().trim().min(1).max(8_000),
  /** Only in this working directory; null: anywhere. */
  cwd: z.string().min(1).max(4_096).nullable(),
};

export const approvalRuleSchema = z.object({
  id: z.number().int(),
  ...ruleFields,
  createdAt: z.iso.datetime(),
  lastUsedAt: z.iso.datetime().nullable(),
});
