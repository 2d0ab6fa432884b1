-- Down migration of 20261129140636_recording_content: undoes its migration.sql (npm run migrate:rollback).
-- Written by hand in the form of `prisma migrate diff` (npm run migrate:down-sql regenerates it once
-- this branch has that script). Files in the content store are not touched by it.

-- DropForeignKey
ALTER TABLE "ContentUpload" DROP CONSTRAINT "ContentUpload_recordingId_fkey";

-- AlterTable
ALTER TABLE "Recording" DROP COLUMN "contentKey";

-- DropTable
DROP TABLE "ContentUpload";
