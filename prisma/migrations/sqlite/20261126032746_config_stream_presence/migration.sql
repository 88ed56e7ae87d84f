-- AlterTable
ALTER TABLE "ConfigStatus" ADD COLUMN "streamReplica" TEXT;
ALTER TABLE "ConfigStatus" ADD COLUMN "streamSeenAt" DATETIME;
