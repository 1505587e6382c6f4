import { AuditSection } from './AuditSection';
import { UsageSection } from './UsageSection';
import './usage.css';

// Usage & audit: what the models cost, then the audit log. The shell gives the page its h1.

export function UsagePage() {
  return (
    <div className="usage-page">
      <UsageSection />
      <AuditSection />
    </div>
  );
}
