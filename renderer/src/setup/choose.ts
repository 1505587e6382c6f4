import { useCallback, useState } from 'react';
import type { Result } from '../../../main/contract/methods';
import type { Problem } from '../problems';
import { call, problemOf } from '../stores/session';

// Every way of choosing a model ends the same: try it with models.test, then make it the chat
// model with settings.update. The gate notices (settings.changed) and waits for it to load.

export type TestResult = Result<'models.test'>;

/** A failed test as a Problem for the field it belongs to. */
export const testProblem = (result: TestResult): Problem => ({ text: result.detail, details: null, field: 'spec' });

export function useChoice() {
  const [busy, setBusy] = useState<null | 'test' | 'use'>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [tested, setTested] = useState<TestResult | null>(null);

  const test = useCallback(async (spec: string, apiKey?: string): Promise<TestResult | null> => {
    setBusy('test');
    setProblem(null);
    setTested(null);
    try {
      const result = await call('models.test', { spec, ...(apiKey ? { apiKey } : {}) });
      setTested(result);
      if (!result.ok) setProblem(testProblem(result));
      return result;
    } catch (error) {
      setProblem(problemOf(error));
      return null;
    } finally {
      setBusy(null);
    }
  }, []);

  /** Tests (unless it just passed) and saves; an API key goes to the keychain first, never into settings. */
  const use = useCallback(async (spec: string, options: { apiKey?: string; skipTest?: boolean } = {}): Promise<boolean> => {
    if (!options.skipTest) {
      const result = await test(spec, options.apiKey);
      if (!result?.ok) return false;
    }
    setBusy('use');
    setProblem(null);
    try {
      if (options.apiKey) await call('secrets.set', { name: 'openai-api-key', value: options.apiKey });
      await call('settings.update', { patch: { models: { chat: spec } } });
      return true;
    } catch (error) {
      setProblem(problemOf(error));
      return false;
    } finally {
      setBusy(null);
    }
  }, [test]);

  const clear = useCallback(() => {
    setProblem(null);
    setTested(null);
  }, []);

  return { busy, problem, tested, test, use, clear };
}
