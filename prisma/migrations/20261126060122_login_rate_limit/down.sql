-- Down migration of 20261126060122_login_rate_limit: undoes its migration.sql (npm run migrate:rollback).
-- Written by `prisma migrate diff` (npm run migrate:dev / migrate:down-sql) from the schema with this
-- migration to the schema without it. If you edit migration.sql, check this file too: the diff does
-- not see triggers, functions, CHECK constraints or data changes.

-- DropTable
DROP TABLE "LoginAttempt";

-- DropTable
DROP TABLE "RateLimitCounter";
