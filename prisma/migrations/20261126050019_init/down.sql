-- Down migration of 20261126050019_init: undoes its migration.sql (npm run migrate:rollback).
-- Written by `prisma migrate diff` (npm run migrate:dev / migrate:down-sql) from the schema with this
-- migration to the schema without it. If you edit migration.sql, check this file too: the diff does
-- not see triggers, functions, CHECK constraints or data changes.

-- DropForeignKey
ALTER TABLE "Algo" DROP CONSTRAINT "Algo_ownerId_fkey";

-- DropForeignKey
ALTER TABLE "ApiKey" DROP CONSTRAINT "ApiKey_userId_fkey";

-- DropForeignKey
ALTER TABLE "IdempotencyKey" DROP CONSTRAINT "IdempotencyKey_userId_fkey";

-- DropForeignKey
ALTER TABLE "Recording" DROP CONSTRAINT "Recording_sessionId_fkey";

-- DropForeignKey
ALTER TABLE "Recording" DROP CONSTRAINT "Recording_userId_fkey";

-- DropForeignKey
ALTER TABLE "Session" DROP CONSTRAINT "Session_userId_fkey";

-- DropTable
DROP TABLE "Algo";

-- DropTable
DROP TABLE "ApiKey";

-- DropTable
DROP TABLE "EventLog";

-- DropTable
DROP TABLE "IdempotencyKey";

-- DropTable
DROP TABLE "Recording";

-- DropTable
DROP TABLE "Session";

-- DropTable
DROP TABLE "User";

-- DropEnum
DROP TYPE "AlgoStatus";

-- DropEnum
DROP TYPE "ApiKeyKind";

-- DropEnum
DROP TYPE "Modality";

-- DropEnum
DROP TYPE "RecordingStatus";

-- DropEnum
DROP TYPE "Role";
