-- CreateTable
CREATE TABLE "ExportDigest" (
    "digest" TEXT NOT NULL PRIMARY KEY,
    "storedAt" DATETIME NOT NULL
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_RollupSeries" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "source" TEXT NOT NULL,
    "destination" TEXT NOT NULL,
    "destinationVersion" TEXT NOT NULL,
    "responseClass" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "mtls" BOOLEAN NOT NULL,
    "usedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO "new_RollupSeries" ("destination", "destinationVersion", "id", "mtls", "outcome", "responseClass", "source") SELECT "destination", "destinationVersion", "id", "mtls", "outcome", "responseClass", "source" FROM "RollupSeries";
DROP TABLE "RollupSeries";
ALTER TABLE "new_RollupSeries" RENAME TO "RollupSeries";
CREATE UNIQUE INDEX "RollupSeries_labels_key" ON "RollupSeries"("source", "destination", "destinationVersion", "responseClass", "outcome", "mtls");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "ExportDigest_storedAt_idx" ON "ExportDigest"("storedAt");
