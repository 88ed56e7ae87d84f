-- CreateTable
CREATE TABLE "EndpointState" (
    "service" TEXT NOT NULL,
    "endpoint" TEXT NOT NULL,
    "reporter" TEXT NOT NULL,
    "reporterService" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "since" DATETIME,
    "healthy" BOOLEAN,
    "ejections" INTEGER NOT NULL,
    "lastEjectionAt" DATETIME,
    "reportedAt" DATETIME NOT NULL,

    PRIMARY KEY ("service", "endpoint", "reporter")
);

-- CreateTable
CREATE TABLE "EndpointEjection" (
    "service" TEXT NOT NULL,
    "endpoint" TEXT NOT NULL,
    "reporter" TEXT NOT NULL,
    "minute" DATETIME NOT NULL,
    "count" INTEGER NOT NULL,

    PRIMARY KEY ("service", "endpoint", "reporter", "minute")
);

-- CreateIndex
CREATE INDEX "EndpointState_reportedAt_idx" ON "EndpointState"("reportedAt");

-- CreateIndex
CREATE INDEX "EndpointEjection_minute_idx" ON "EndpointEjection"("minute");
