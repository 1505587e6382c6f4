import { z } from 'zod';

// MCP servers and their tools as every surface sees them. Env and header values are secrets:
// they go in (add, update, import) but never come out; views carry their names only.

export const mcpRuleSchema = z.enum(['allow', 'ask', 'block']);
export const mcpTransportSchema = z.enum(['stdio', 'http']);
export const mcpStateSchema = z.enum(['starting', 'ready', 'failed', 'restarting', 'stopped']);

/** A server's id: a slug made from its name (letters, digits, -). */
export const mcpServerIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'expected a server id such as "everything" (see mcp.servers.list)');
export const mcpServerNameSchema = z.string().trim().min(1, 'the name is empty').max(64, 'the name is longer than 64 characters');

const envKeySchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'expected an environment variable name such as API_KEY');
const headerKeySchema = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/, 'expected an HTTP header name such as Authorization');
const valueSchema = z.string().max(8_192);
const commandSchema = z.string().trim().min(1, 'the command is empty').max(4_096);
const argsSchema = z.array(z.string().max(4_096)).max(200);
const urlSchema = z
  .string()
  .trim()
  .max(4_096)
  .refine((text) => /^https?:\/\//i.test(text) && URL.canParse(text), 'expected an http:// or https:// address such as http://127.0.0.1:3001/mcp');

export const mcpEnvSchema = z.record(envKeySchema, valueSchema);
export const mcpHeadersSchema = z.record(headerKeySchema, valueSchema);

export const mcpAddSchema = z.discriminatedUnion('transport', [
  z.strictObject({
    name: mcpServerNameSchema,
    transport: z.literal('stdio'),
    command: commandSchema,
    args: argsSchema.optional(),
    env: mcpEnvSchema.optional(),
    cwd: z.string().trim().min(1).max(4_096).optional(),
  }),
  z.strictObject({
    name: mcpServerNameSchema,
    transport: z.literal('http'),
    url: urlSchema,
    headers: mcpHeadersSchema.optional(),
  }),
]);

/** A change to a server. env/headers merge: a string sets that one, null removes it; tools: null removes the per-tool rule. */
export const mcpPatchSchema = z.strictObject({
  enabled: z.boolean().optional(),
  rule: mcpRuleSchema.optional(),
  contacts: z.boolean().optional(),
  tools: z.record(z.string().min(1).max(128), mcpRuleSchema.nullable()).optional(),
  command: commandSchema.optional(),
  args: argsSchema.optional(),
  env: z.record(envKeySchema, valueSchema.nullable()).optional(),
  cwd: z.string().trim().min(1).max(4_096).nullable().optional(),
  url: urlSchema.optional(),
  headers: z.record(headerKeySchema, valueSchema.nullable()).optional(),
});

export const mcpServerViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  transport: mcpTransportSchema,
  command: z.string().optional(),
  args: z.array(z.string()).optional(),
  cwd: z.string().optional(),
  url: z.string().optional(),
  /** Names only, never values. */
  envKeys: z.array(z.string()),
  headerKeys: z.array(z.string()),
  enabled: z.boolean(),
  /** The server's default rule for its tools. */
  rule: mcpRuleSchema,
  /** Whether contacts' conversations get this server's tools. */
  contacts: z.boolean(),
  state: mcpStateSchema,
  /** Why it failed, or what it is doing, in a sentence. */
  detail: z.string().nullable(),
  /** When it is started again (ISO time), while restarting. */
  nextRetryAt: z.string().nullable(),
  toolCount: z.number().int().nonnegative(),
});

export const mcpToolSchema = z.object({
  server: z.string(),
  name: z.string(),
  qualifiedName: z.string(),
  title: z.string().optional(),
  description: z.string(),
  inputSchema: z.record(z.string(), z.unknown()),
  annotations: z.object({
    readOnlyHint: z.boolean().optional(),
    destructiveHint: z.boolean().optional(),
    idempotentHint: z.boolean().optional(),
    openWorldHint: z.boolean().optional(),
  }),
});

export const mcpToolViewSchema = mcpToolSchema.extend({
  /** The per-tool rule, if the owner set one. */
  rule: mcpRuleSchema.nullable(),
  /** What happens when the agent calls it. */
  effective: mcpRuleSchema,
});

export type McpServerView = z.output<typeof mcpServerViewSchema>;
export type McpAddParams = z.output<typeof mcpAddSchema>;
export type McpPatch = z.output<typeof mcpPatchSchema>;
