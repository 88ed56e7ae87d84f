#!/bin/sh
# Stands in for Prisma's native schema engine, which would be downloaded (no network here). Exiting 1
# (not 0) makes any command that really needs the engine fail instead of silently doing nothing.
echo "the native Prisma schema engine is disabled; migrations go through @prisma/schema-engine-wasm" >&2
exit 1
