-- CreateTable
CREATE TABLE "EndpointState" (
    "service" TEXT NOT NULL,
    "endpoint" TEXT NOT NULL,
    "reporter" TEXT NOT NULL,
    "reporterService" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "since" TIMESTAMP(3),
    "healthy" BOOLEAN,
    "ejections" INTEGER NOT NULL,
    "lastEjectionAt" TIMESTAMP(3),
    "reportedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "EndpointState_pkey" PRIMARY KEY ("service","endpoint","reporter")
);

-- CreateTable
CREATE TABLE "EndpointEjection" (
    "service" TEXT NOT NULL,
    "endpoint" TEXT NOT NULL,
    "reporter" TEXT NOT NULL,
    "minute" TIMESTAMP(3) NOT NULL,
    "count" INTEGER NOT NULL,

    CONSTRAINT "EndpointEjection_pkey" PRIMARY KEY ("service","endpoint","reporter","minute")
);

-- CreateIndex
CREATE INDEX "EndpointState_reportedAt_idx" ON "EndpointState"("reportedAt");

-- CreateIndex
CREATE INDEX "EndpointEjection_minute_idx" ON "EndpointEjection"("minute");
