-- CreateTable
CREATE TABLE "RollupSeries" (
    "id" SERIAL NOT NULL,
    "source" TEXT NOT NULL,
    "destination" TEXT NOT NULL,
    "destinationVersion" TEXT NOT NULL,
    "responseClass" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "mtls" BOOLEAN NOT NULL,

    CONSTRAINT "RollupSeries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RollupPending" (
    "id" SERIAL NOT NULL,
    "cells" BYTEA NOT NULL,

    CONSTRAINT "RollupPending_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "RollupSeries_labels_key" ON "RollupSeries"("source", "destination", "destinationVersion", "responseClass", "outcome", "mtls");
