-- Down migration of 20261129140000_auth_change_notifications: undoes its migration.sql (npm run migrate:rollback).
-- Written by hand: `prisma migrate diff` does not see triggers or functions. Without these
-- triggers the API instances no longer hear of revocations: roll back only with the API stopped
-- or on a version that does not cache tokens.

DROP TRIGGER "User_auth_change_truncate" ON "User";
DROP TRIGGER "User_auth_change_delete" ON "User";
DROP TRIGGER "User_auth_change_update" ON "User";
DROP TRIGGER "ApiKey_auth_change_truncate" ON "ApiKey";
DROP TRIGGER "ApiKey_auth_change_delete" ON "ApiKey";
DROP TRIGGER "ApiKey_auth_change_update" ON "ApiKey";
DROP FUNCTION "notify_auth_change"();
