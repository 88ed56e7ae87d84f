"use client";
// The top bar: navigation (keeping window and refresh), the window picker, refresh and theme controls.
import Link from "next/link";
import { usePathname, useSearchParams } from "next/navigation";
import { UserMenu } from "../features/auth/user-menu";
import { hrefKeepingGlobals } from "../lib/view-state";
import { RefreshControl } from "./refresh-control";
import { ThemeToggle } from "./theme-toggle";
import { WindowPicker } from "./window-picker";

const PAGES = [
  { path: "/", label: "Graph", test: "nav-graph" },
  { path: "/services", label: "Services", test: "nav-services" },
  { path: "/sidecars", label: "Sidecars", test: "nav-sidecars" },
] as const;

export function AppHeader() {
  const pathname = usePathname();
  const params = new URLSearchParams(useSearchParams().toString());
  // The login page has no navigation: nothing behind it is reachable yet.
  if (pathname === "/login") return <AppHeaderFallback />;
  return (
    <header className="topbar" data-test="app-header">
      <Link href={hrefKeepingGlobals("/", params)} prefetch={false} className="brand" data-test="brand">
        <BrandMark />
        Trellis
      </Link>
      <nav className="nav" aria-label="Main">
        {/* No prefetch: the pages render per request, so a prefetch gains little and, on the graph
            page, its server round trips and script work competed with drawing a large graph. */}
        {PAGES.map((page) => (
          <Link key={page.path} href={hrefKeepingGlobals(page.path, params)} prefetch={false} data-test={page.test} aria-current={pathname === page.path ? "page" : undefined}>
            {page.label}
          </Link>
        ))}
      </nav>
      <div className="topbar-controls">
        <WindowPicker />
        <RefreshControl />
        <ThemeToggle />
        <UserMenu />
      </div>
    </header>
  );
}

/** A static placeholder of the same height while the header waits for the URL. */
export function AppHeaderFallback() {
  return (
    <header className="topbar">
      <span className="brand"><BrandMark />Trellis</span>
    </header>
  );
}

function BrandMark() {
  return (
    <svg width="18" height="18" viewBox="0 0 18 18" aria-hidden="true">
      <path d="M3 3 L15 15 M15 3 L3 15 M9 1.5 V16.5 M1.5 9 H16.5" stroke="var(--accent)" strokeWidth="1.6" strokeLinecap="round" />
    </svg>
  );
}
