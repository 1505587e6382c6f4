// Moved to renderer/src/memory/; kept so the shell's import path still works.
export { MemoryPage } from '../memory/MemoryPage';
