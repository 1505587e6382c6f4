// JSON-RPC 2.0 error codes. Standard ones come from the spec; application errors live in
// -32000..-32099 and always carry a machine-readable `data.code`.
export const StandardErrors = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
} as const;

export const AppErrors = {
  unauthorized: -32001,
  rate_limited: -32002,
  payload_too_large: -32003,
  login_code_invalid: -32004,
  invalid_setting: -32005,
  connection_closed: -32006,
  shutting_down: -32007,
  not_found: -32008,
  no_model: -32010,
  model_unavailable: -32011,
  message_too_long: -32012,
  already_resolved: -32013,
  invalid_rule: -32014,
  invalid_schedule: -32015,
  disk_full: -32016,
  /** A reply (or a batch entry's reply) would not fit in the reply frame. */
  reply_too_large: -32017,
  /** The dashboard chat may write only to its own conversations (a Telegram chat is answered there). */
  read_only: -32018,
  /** Only the last message of a conversation can be edited or answered again. */
  not_editable: -32019,
  /** An MCP server's settings (or an mcpServers import) cannot be used as given. */
  invalid_mcp_server: -32020,
} as const;

export type AppErrorCode = keyof typeof AppErrors;

export interface RpcErrorObject {
  code: number;
  message: string;
  data?: Record<string, unknown>;
}

export class RpcError extends Error {
  readonly code: number;
  readonly data: Record<string, unknown> | undefined;

  constructor(code: number, message: string, data?: Record<string, unknown>) {
    // An answer to the caller, not a bug: no stack trace is captured (refusing a flood stays cheap).
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = stackTraceLimit;
    this.name = 'RpcError';
    this.code = code;
    this.data = data;
  }

  toJSON(): RpcErrorObject {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

/** An application error: code from the -32000 range plus `data.code` naming it. */
export function appError(code: AppErrorCode, message: string, extra?: Record<string, unknown>): RpcError {
  return new RpcError(AppErrors[code], message, { code, ...extra });
}
