-- AlterTable
ALTER TABLE "RollupSeries" ADD COLUMN     "usedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- CreateTable
CREATE TABLE "ExportDigest" (
    "digest" TEXT NOT NULL,
    "storedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ExportDigest_pkey" PRIMARY KEY ("digest")
);

-- CreateIndex
CREATE INDEX "ExportDigest_storedAt_idx" ON "ExportDigest"("storedAt");
