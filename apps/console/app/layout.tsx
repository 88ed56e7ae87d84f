import type { Metadata } from "next";
import { headers } from "next/headers";
import { Suspense, type ReactNode } from "react";
import { AppHeader, AppHeaderFallback } from "../components/app-header";
import { ThemeScript } from "../components/theme-script";
import { Providers } from "./providers";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Trellis", template: "%s · Trellis" },
  description: "The Trellis service mesh console: service graph, golden metrics and sidecar sync state.",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // proxy.ts's per-request CSP nonce; reading it also makes every page render per request, which a
  // nonce needs (Next.js puts it on its own scripts by itself).
  const nonce = (await headers()).get("x-nonce") ?? undefined;
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        <ThemeScript nonce={nonce} />
      </head>
      <body>
        <Providers>
          <div className="app">
            <Suspense fallback={<AppHeaderFallback />}>
              <AppHeader />
            </Suspense>
            <main className="main">{children}</main>
          </div>
        </Providers>
      </body>
    </html>
  );
}
