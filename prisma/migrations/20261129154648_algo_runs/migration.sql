-- CreateEnum
CREATE TYPE "ApiKeyScope" AS ENUM ('FULL', 'WORKER');

-- CreateEnum
CREATE TYPE "RunStatus" AS ENUM ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED');

-- AlterTable
ALTER TABLE "ApiKey" ADD COLUMN     "scope" "ApiKeyScope" NOT NULL DEFAULT 'FULL';

-- CreateTable
CREATE TABLE "AlgoRun" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "algoId" UUID NOT NULL,
    "recordingId" UUID NOT NULL,
    "parameters" JSONB NOT NULL DEFAULT '{}',
    "status" "RunStatus" NOT NULL DEFAULT 'QUEUED',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "maxAttempts" INTEGER NOT NULL,
    "availableAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "workerId" UUID,
    "workerName" TEXT,
    "leaseId" UUID,
    "leaseSeconds" INTEGER,
    "leaseExpiresAt" TIMESTAMPTZ(3),
    "heartbeatAt" TIMESTAMPTZ(3),
    "progress" DOUBLE PRECISION,
    "progressMessage" TEXT,
    "result" JSONB,
    "error" JSONB,
    "startedAt" TIMESTAMPTZ(3),
    "finishedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "AlgoRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AlgoRun_userId_createdAt_id_idx" ON "AlgoRun"("userId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "AlgoRun_createdAt_id_idx" ON "AlgoRun"("createdAt", "id");

-- CreateIndex
CREATE INDEX "AlgoRun_recordingId_createdAt_id_idx" ON "AlgoRun"("recordingId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "AlgoRun_algoId_createdAt_id_idx" ON "AlgoRun"("algoId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "AlgoRun_status_availableAt_id_idx" ON "AlgoRun"("status", "availableAt", "id");

-- CreateIndex
CREATE INDEX "AlgoRun_status_leaseExpiresAt_idx" ON "AlgoRun"("status", "leaseExpiresAt");

-- AddForeignKey
ALTER TABLE "AlgoRun" ADD CONSTRAINT "AlgoRun_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlgoRun" ADD CONSTRAINT "AlgoRun_algoId_fkey" FOREIGN KEY ("algoId") REFERENCES "Algo"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlgoRun" ADD CONSTRAINT "AlgoRun_recordingId_fkey" FOREIGN KEY ("recordingId") REFERENCES "Recording"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Written by hand (prisma migrate diff does not see triggers or functions; down.sql drops them).
-- Claims that wait for work (POST /api/v1/runs/claim with waitSeconds, src/runs/wakeups.ts)
-- LISTEN on "backendapi_runs"; this trigger NOTIFYs it whenever a run becomes QUEUED (created,
-- retried, lease expired), whichever code or SQL session did it. The payload is the table's
-- schema, since the channel is the database's. A notification is sent when its transaction
-- commits (not at all if it rolls back), and PostgreSQL sends identical ones of one transaction
-- once, so a bulk insert of 1000 runs wakes the waiting claims once.
CREATE FUNCTION "notify_run_queued"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('backendapi_runs', TG_TABLE_SCHEMA);
  RETURN NULL;
END;
$$;

CREATE TRIGGER "AlgoRun_queued" AFTER INSERT OR UPDATE OF "status" ON "AlgoRun"
FOR EACH ROW WHEN (NEW."status" = 'QUEUED') EXECUTE FUNCTION "notify_run_queued"();
