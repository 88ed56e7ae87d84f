import type { ReactNode } from "react";
import { formatClock } from "../lib/format";

/** A page's title, with when its data was generated and over which window. */
export function PageHeader({ title, generatedAt, window, children }: { title: string; generatedAt?: string; window?: string; children?: ReactNode }) {
  return (
    <div className="page-header">
      <h1>{title}</h1>
      {generatedAt === undefined ? null : (
        <span className="as-of" data-test="page-as-of">
          as of {formatClock(generatedAt)}{window === undefined ? "" : ` · window ${window}`}
        </span>
      )}
      {children}
    </div>
  );
}
