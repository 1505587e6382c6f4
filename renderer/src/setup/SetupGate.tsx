import type { ReactNode } from 'react';

// First-run setup: shown instead of the app while no chat model works. (Being built: for now the
// app is shown as it is.)
export function SetupGate({ children }: { children: ReactNode }) {
  return <>{children}</>;
}
