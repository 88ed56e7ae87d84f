-- CreateTable
CREATE TABLE "Service" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "createdAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "ServiceVersion" (
    "service" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,

    PRIMARY KEY ("service", "version"),
    CONSTRAINT "ServiceVersion_service_fkey" FOREIGN KEY ("service") REFERENCES "Service" ("name") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Instance" (
    "instanceId" TEXT NOT NULL PRIMARY KEY,
    "service" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "inboundPort" INTEGER NOT NULL,
    "labels" TEXT NOT NULL,
    "registeredAt" DATETIME NOT NULL,
    "lastHeartbeatAt" DATETIME NOT NULL,
    "leaseExpiresAt" DATETIME NOT NULL,
    "deregisteredAt" DATETIME,
    CONSTRAINT "Instance_service_version_fkey" FOREIGN KEY ("service", "version") REFERENCES "ServiceVersion" ("service", "version") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Edge" (
    "source" TEXT NOT NULL,
    "destination" TEXT NOT NULL,
    "firstSeenAt" DATETIME NOT NULL,
    "lastSeenAt" DATETIME NOT NULL,

    PRIMARY KEY ("source", "destination")
);

-- CreateTable
CREATE TABLE "Rollup" (
    "resolution" INTEGER NOT NULL,
    "bucketStart" DATETIME NOT NULL,
    "source" TEXT NOT NULL,
    "destination" TEXT NOT NULL,
    "destinationVersion" TEXT NOT NULL,
    "responseClass" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "mtls" BOOLEAN NOT NULL,
    "count" INTEGER NOT NULL,
    "durationSumMs" REAL NOT NULL,
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

    PRIMARY KEY ("resolution", "bucketStart", "source", "destination", "destinationVersion", "responseClass", "outcome", "mtls")
);

-- CreateTable
CREATE TABLE "MeshRevision" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "revision" INTEGER NOT NULL,
    "lastReason" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "PolicyRevision" (
    "service" TEXT NOT NULL,
    "revision" INTEGER NOT NULL,
    "spec" TEXT NOT NULL,
    "author" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,

    PRIMARY KEY ("service", "revision")
);

-- CreateTable
CREATE TABLE "ConfigStatus" (
    "instanceId" TEXT NOT NULL PRIMARY KEY,
    "sentRevision" INTEGER,
    "sentAt" DATETIME,
    "ackedRevision" INTEGER,
    "lastAnswerRevision" INTEGER,
    "lastAnswerAccepted" BOOLEAN,
    "lastError" TEXT,
    "lastAnswerAt" DATETIME
);

-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "username" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "Instance_leaseExpiresAt_idx" ON "Instance"("leaseExpiresAt");

-- CreateIndex
CREATE INDEX "Instance_service_registeredAt_idx" ON "Instance"("service", "registeredAt");

-- CreateIndex
CREATE UNIQUE INDEX "User_username_key" ON "User"("username");
