import fs from 'node:fs';
import os from 'node:os';
import { ModelError } from '../provider';

/** Refuses a missing file or one that is not GGUF before llama.cpp is asked to load it. */
export async function checkGgufFile(file: string): Promise<void> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, 'r');
  } catch {
    throw new ModelError(`The model file ${file} does not exist or cannot be read.`, 'model_unavailable');
  }
  try {
    const magic = Buffer.alloc(4);
    await handle.read(magic, 0, 4, 0);
    if (magic.toString('latin1') !== 'GGUF') throw new ModelError(`${file} is not a GGUF model file.`, 'model_unavailable');
  } finally {
    await handle.close();
  }
}

/** Leave a core for the rest of the machine; more than 8 threads rarely helps on CPU. */
export const pickThreads = (cores = os.availableParallelism()) => Math.max(1, Math.min(8, cores - 1));
