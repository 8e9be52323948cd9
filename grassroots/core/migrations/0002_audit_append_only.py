"""PostgreSQL: the audit log refuses UPDATE, DELETE and TRUNCATE from every role but its owner.

Grants decide what the application role may do; this trigger is the defence in depth that
holds even if someone grants too much (GRANT ALL ON ALL TABLES …). Only the owner can disable
a trigger, and only the owner connection (DATABASE_OWNER_URL) purges. SQLite has no roles: the
model refuses instead (AuditEvent.save/delete and its queryset).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION grassroots_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    table_owner name;
BEGIN
    SELECT pg_get_userbyid(relowner) INTO table_owner FROM pg_class WHERE oid = TG_RELID;
    IF current_user = table_owner THEN
        IF TG_OP = 'UPDATE' THEN
            RETURN NEW;
        END IF;
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'core_auditevent is append-only: % refused for role %', TG_OP, current_user
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Only the table owner (DATABASE_OWNER_URL) may purge audit rows.';
END;
$$;
DROP TRIGGER IF EXISTS grassroots_audit_append_only_rows ON core_auditevent;
CREATE TRIGGER grassroots_audit_append_only_rows
    BEFORE UPDATE OR DELETE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION grassroots_audit_append_only();
DROP TRIGGER IF EXISTS grassroots_audit_append_only_truncate ON core_auditevent;
CREATE TRIGGER grassroots_audit_append_only_truncate
    BEFORE TRUNCATE ON core_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION grassroots_audit_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON core_auditevent FROM PUBLIC;
"""

DROP = """
DROP TRIGGER IF EXISTS grassroots_audit_append_only_rows ON core_auditevent;
DROP TRIGGER IF EXISTS grassroots_audit_append_only_truncate ON core_auditevent;
DROP FUNCTION IF EXISTS grassroots_audit_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
