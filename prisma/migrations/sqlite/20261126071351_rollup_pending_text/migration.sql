-- The binary form of pending cells lived for minutes within one development session, no store holds it.
DELETE FROM "RollupPending";

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_RollupPending" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "cells" TEXT NOT NULL
);
INSERT INTO "new_RollupPending" ("cells", "id") SELECT "cells", "id" FROM "RollupPending";
DROP TABLE "RollupPending";
ALTER TABLE "new_RollupPending" RENAME TO "RollupPending";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
