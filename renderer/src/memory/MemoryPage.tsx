import { useCallback, useState } from 'react';
import { ForgetSection } from './ForgetSection';
import { IndexSection } from './IndexSection';
import { RememberSection } from './RememberSection';
import { SearchSection } from './SearchSection';
import './memory.css';

// What Perch remembers: search, the index, and adding or forgetting notes.

export function MemoryPage() {
  // Bumped when a note is added or forgotten: the search and the index load again.
  const [refresh, setRefresh] = useState(0);
  const changed = useCallback(() => setRefresh((n) => n + 1), []);
  return (
    <>
      <SearchSection refresh={refresh} />
      <IndexSection refresh={refresh} />
      <div className="two">
        <RememberSection onChanged={changed} />
        <ForgetSection onChanged={changed} />
      </div>
    </>
  );
}
