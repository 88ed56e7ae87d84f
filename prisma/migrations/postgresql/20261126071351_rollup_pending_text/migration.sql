-- The binary form of pending cells lived for minutes within one development session, no store holds it.
DELETE FROM "RollupPending";

-- AlterTable
ALTER TABLE "RollupPending" ALTER COLUMN "cells" SET DATA TYPE TEXT USING '';
