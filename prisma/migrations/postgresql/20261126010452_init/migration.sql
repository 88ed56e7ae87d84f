-- CreateTable
CREATE TABLE "Service" (
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Service_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "ServiceVersion" (
    "service" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ServiceVersion_pkey" PRIMARY KEY ("service","version")
);

-- CreateTable
CREATE TABLE "Instance" (
    "instanceId" TEXT NOT NULL,
    "service" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "inboundPort" INTEGER NOT NULL,
    "labels" TEXT NOT NULL,
    "registeredAt" TIMESTAMP(3) NOT NULL,
    "lastHeartbeatAt" TIMESTAMP(3) NOT NULL,
    "leaseExpiresAt" TIMESTAMP(3) NOT NULL,
    "deregisteredAt" TIMESTAMP(3),

    CONSTRAINT "Instance_pkey" PRIMARY KEY ("instanceId")
);

-- CreateTable
CREATE TABLE "Edge" (
    "source" TEXT NOT NULL,
    "destination" TEXT NOT NULL,
    "firstSeenAt" TIMESTAMP(3) NOT NULL,
    "lastSeenAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Edge_pkey" PRIMARY KEY ("source","destination")
);

-- CreateTable
CREATE TABLE "Rollup" (
    "resolution" INTEGER NOT NULL,
    "bucketStart" TIMESTAMP(3) NOT NULL,
    "source" TEXT NOT NULL,
    "destination" TEXT NOT NULL,
    "destinationVersion" TEXT NOT NULL,
    "responseClass" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "mtls" BOOLEAN NOT NULL,
    "count" INTEGER NOT NULL,
    "durationSumMs" DOUBLE PRECISION NOT NULL,
    "b0" INTEGER NOT NULL,
    "b1" INTEGER NOT NULL,
    "b2" INTEGER NOT NULL,
    "b3" INTEGER NOT NULL,
    "b4" INTEGER NOT NULL,
    "b5" INTEGER NOT NULL,
    "b6" INTEGER NOT NULL,
    "b7" INTEGER NOT NULL,
    "b8" INTEGER NOT NULL,
    "b9" INTEGER NOT NULL,
    "b10" INTEGER NOT NULL,
    "b11" INTEGER NOT NULL,
    "b12" INTEGER NOT NULL,
    "b13" INTEGER NOT NULL,

    CONSTRAINT "Rollup_pkey" PRIMARY KEY ("resolution","bucketStart","source","destination","destinationVersion","responseClass","outcome","mtls")
);

-- CreateTable
CREATE TABLE "MeshRevision" (
    "id" INTEGER NOT NULL,
    "revision" INTEGER NOT NULL,
    "lastReason" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "MeshRevision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PolicyRevision" (
    "service" TEXT NOT NULL,
    "revision" INTEGER NOT NULL,
    "spec" TEXT NOT NULL,
    "author" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PolicyRevision_pkey" PRIMARY KEY ("service","revision")
);

-- CreateTable
CREATE TABLE "ConfigStatus" (
    "instanceId" TEXT NOT NULL,
    "sentRevision" INTEGER,
    "sentAt" TIMESTAMP(3),
    "ackedRevision" INTEGER,
    "lastAnswerRevision" INTEGER,
    "lastAnswerAccepted" BOOLEAN,
    "lastError" TEXT,
    "lastAnswerAt" TIMESTAMP(3),

    CONSTRAINT "ConfigStatus_pkey" PRIMARY KEY ("instanceId")
);

-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL,
    "username" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Instance_leaseExpiresAt_idx" ON "Instance"("leaseExpiresAt");

-- CreateIndex
CREATE INDEX "Instance_service_registeredAt_idx" ON "Instance"("service", "registeredAt");

-- CreateIndex
CREATE UNIQUE INDEX "User_username_key" ON "User"("username");

-- AddForeignKey
ALTER TABLE "ServiceVersion" ADD CONSTRAINT "ServiceVersion_service_fkey" FOREIGN KEY ("service") REFERENCES "Service"("name") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Instance" ADD CONSTRAINT "Instance_service_version_fkey" FOREIGN KEY ("service", "version") REFERENCES "ServiceVersion"("service", "version") ON DELETE CASCADE ON UPDATE CASCADE;
