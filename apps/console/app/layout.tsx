import type { Metadata } from "next";
import { Suspense, type ReactNode } from "react";
import { AppHeader, AppHeaderFallback } from "../components/app-header";
import { ThemeScript } from "../components/theme-script";
import { Providers } from "./providers";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Trellis", template: "%s · Trellis" },
  description: "The Trellis service mesh console: service graph, golden metrics and sidecar sync state.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        <ThemeScript />
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
