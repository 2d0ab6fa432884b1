-- Down migration of 20261129154648_algo_runs: undoes its migration.sql (npm run migrate:rollback).
-- Written by `prisma migrate diff` (npm run migrate:dev / migrate:down-sql) from the schema with this
-- migration to the schema without it. If you edit migration.sql, check this file too: the diff does
-- not see triggers, functions, CHECK constraints or data changes.
-- The trigger and its function (added to migration.sql by hand) are dropped by hand, first.

DROP TRIGGER "AlgoRun_queued" ON "AlgoRun";
DROP FUNCTION "notify_run_queued"();

-- DropForeignKey
ALTER TABLE "AlgoRun" DROP CONSTRAINT "AlgoRun_algoId_fkey";

-- DropForeignKey
ALTER TABLE "AlgoRun" DROP CONSTRAINT "AlgoRun_recordingId_fkey";

-- DropForeignKey
ALTER TABLE "AlgoRun" DROP CONSTRAINT "AlgoRun_userId_fkey";

-- AlterTable
ALTER TABLE "ApiKey" DROP COLUMN "scope";

-- DropTable
DROP TABLE "AlgoRun";

-- DropEnum
DROP TYPE "ApiKeyScope";

-- DropEnum
DROP TYPE "RunStatus";
