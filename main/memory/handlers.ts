import { RpcError, StandardErrors } from '../contract/errors';
import type { Handlers } from '../gateway/router';
import { EmptyQuery, type Memory } from './memory';

export function memoryHandlers(memory: Memory): Handlers {
  return {
    'memory.search': async ({ query, limit, sources }) => {
      try {
        return await memory.search(query, { limit, ...(sources ? { sources } : {}) });
      } catch (error) {
        if (error instanceof EmptyQuery) throw new RpcError(StandardErrors.INVALID_PARAMS, error.message, { code: 'invalid_params', field: 'query' });
        throw error;
      }
    },
    'memory.write': ({ text }) => memory.write(text),
    'memory.forget': ({ text }) => memory.forget(text),
    'memory.status': () => ({ ...memory.status(), notesDir: memory.notesDir }),
    'memory.notes': () => ({ items: memory.notes() }),
    'memory.reindex': () => memory.reindex(),
  };
}
