-- Every API instance keeps the tokens it has resolved in memory and LISTENs on the channel
-- "backendapi_auth" (src/auth/token-cache.ts). These triggers NOTIFY it whenever what a token
-- resolves to may have changed, whichever code, script or SQL session made the change. The
-- payload starts with the schema of the table, since the channel is the database's:
--   <schema>:key:<ApiKey.id>   a key changed (revoked, expiry, owner, …; not lastUsedAt) or was deleted
--   <schema>:user:<User.id>    a user changed in any way (role, e-mail, password, disabled) or was deleted
--   <schema>:all               a TRUNCATE of either table
-- A notification is delivered when its transaction commits, and not at all if it rolls back.

CREATE FUNCTION "notify_auth_change"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_LEVEL = 'STATEMENT' THEN
    PERFORM pg_notify('backendapi_auth', TG_TABLE_SCHEMA || ':all');
  ELSE
    PERFORM pg_notify('backendapi_auth', TG_TABLE_SCHEMA || ':' || TG_ARGV[0] || ':' || OLD.id::text);
  END IF;
  RETURN NULL;
END;
$$;

-- lastUsedAt is written once a minute per token in use: not a change that matters.
CREATE TRIGGER "ApiKey_auth_change_update" AFTER UPDATE ON "ApiKey"
FOR EACH ROW WHEN ((to_jsonb(OLD) - 'lastUsedAt') IS DISTINCT FROM (to_jsonb(NEW) - 'lastUsedAt'))
EXECUTE FUNCTION "notify_auth_change"('key');

CREATE TRIGGER "ApiKey_auth_change_delete" AFTER DELETE ON "ApiKey"
FOR EACH ROW EXECUTE FUNCTION "notify_auth_change"('key');

CREATE TRIGGER "ApiKey_auth_change_truncate" AFTER TRUNCATE ON "ApiKey"
FOR EACH STATEMENT EXECUTE FUNCTION "notify_auth_change"();

CREATE TRIGGER "User_auth_change_update" AFTER UPDATE ON "User"
FOR EACH ROW EXECUTE FUNCTION "notify_auth_change"('user');

CREATE TRIGGER "User_auth_change_delete" AFTER DELETE ON "User"
FOR EACH ROW EXECUTE FUNCTION "notify_auth_change"('user');

CREATE TRIGGER "User_auth_change_truncate" AFTER TRUNCATE ON "User"
FOR EACH STATEMENT EXECUTE FUNCTION "notify_auth_change"();
