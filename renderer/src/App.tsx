import { Shell } from './shell/Shell';

// The dashboard: everything lives in the shell (shell/), which shows the pages of shell/pages.ts.
export function App() {
  return <Shell />;
}
