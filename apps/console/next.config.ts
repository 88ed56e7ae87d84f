// Next.js settings for the console. Runtime settings (where the control plane is) live in
// server/config.ts instead: anything here is frozen at build time.
import type { NextConfig } from "next";
import { STATIC_SECURITY_HEADERS } from "./server/security-headers";

const nextConfig: NextConfig = {
  // mesh-model ships TypeScript sources, not built JavaScript.
  transpilePackages: ["@trellis/mesh-model"],
  poweredByHeader: false,
  reactStrictMode: true,
  // On every response, built files included; the CSP (with its per-request nonce) comes from proxy.ts.
  async headers() {
    return [{ source: "/:path*", headers: [...STATIC_SECURITY_HEADERS] }];
  },
};

export default nextConfig;
