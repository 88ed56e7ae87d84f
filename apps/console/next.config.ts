// Next.js settings for the console. Runtime settings (where the control plane is) live in
// server/config.ts instead: anything here is frozen at build time.
import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // mesh-model ships TypeScript sources, not built JavaScript.
  transpilePackages: ["@trellis/mesh-model"],
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
