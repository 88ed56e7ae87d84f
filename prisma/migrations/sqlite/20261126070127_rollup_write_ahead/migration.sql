-- CreateTable
CREATE TABLE "RollupSeries" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "source" TEXT NOT NULL,
    "destination" TEXT NOT NULL,
    "destinationVersion" TEXT NOT NULL,
    "responseClass" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "mtls" BOOLEAN NOT NULL
);

-- CreateTable
CREATE TABLE "RollupPending" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "cells" BLOB NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "RollupSeries_labels_key" ON "RollupSeries"("source", "destination", "destinationVersion", "responseClass", "outcome", "mtls");
