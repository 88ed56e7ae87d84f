-- AlterTable
ALTER TABLE "ConfigStatus" ADD COLUMN     "streamReplica" TEXT,
ADD COLUMN     "streamSeenAt" TIMESTAMP(3);
