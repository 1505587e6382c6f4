import { RpcError, StandardErrors } from '../contract/errors';
import type { Handlers } from '../gateway/router';
import { EmptyQuery, type Memory } from './memory';
import { EmptyNote, NoteNotText } from './note-files';

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
    'memory.write': async ({ text }) => {
      try {
        return await memory.write(text);
      } catch (error) {
        if (error instanceof EmptyNote) throw new RpcError(StandardErrors.INVALID_PARAMS, error.message, { code: 'invalid_params', field: 'text' });
        if (error instanceof NoteNotText) throw new RpcError(StandardErrors.INVALID_REQUEST, error.message);
        throw error;
      }
    },
    'memory.forget': ({ text }) => memory.forget(text),
    'memory.status': () => ({ ...memory.status(), notesDir: memory.notesDir }),
    'memory.notes': () => ({ items: memory.notes() }),
    'memory.reindex': () => memory.reindex(),
  };
}
