-- AlterTable
ALTER TABLE "Recording" ADD COLUMN     "contentKey" TEXT;

-- CreateTable
CREATE TABLE "ContentUpload" (
    "id" UUID NOT NULL,
    "recordingId" UUID NOT NULL,
    "length" BIGINT NOT NULL,
    "sha256" CHAR(64),
    "ifMatch" TEXT,
    "metadata" JSONB,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ContentUpload_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ContentUpload_recordingId_idx" ON "ContentUpload"("recordingId");

-- CreateIndex
CREATE INDEX "ContentUpload_expiresAt_idx" ON "ContentUpload"("expiresAt");

-- AddForeignKey
ALTER TABLE "ContentUpload" ADD CONSTRAINT "ContentUpload_recordingId_fkey" FOREIGN KEY ("recordingId") REFERENCES "Recording"("id") ON DELETE CASCADE ON UPDATE CASCADE;
