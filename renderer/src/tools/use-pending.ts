import { useEffect, useState } from 'react';

// A choice shown at once while it is being saved: the control keeps what the person chose until
// the saved value comes back (or the save fails and `reset` puts the saved value back).

export function usePending<T>(saved: T): { shown: T; choose(value: T): void; reset(): void } {
  const [pending, setPending] = useState<{ value: T } | null>(null);
  useEffect(() => {
    if (pending && Object.is(pending.value, saved)) setPending(null);
  }, [pending, saved]);
  return { shown: pending ? pending.value : saved, choose: (value) => setPending({ value }), reset: () => setPending(null) };
}
