"""manage.py setup_db_roles --app-role lianxin_app [--password-env APP_DB_PASSWORD]

Run as the OWNER of the tables (the role `migrate` runs as: DATABASE_URL=$MIGRATION_DATABASE_URL),
after every `migrate`. Creates or updates the APPLICATION role that the web, the Celery worker and
beat connect as, so that even the application cannot rewrite its audit trail (等保2.0 安全审计:
audit records protected from deletion, modification and overwriting):

- LOGIN, NOSUPERUSER, NOCREATEDB, NOCREATEROLE, NOREPLICATION, NOBYPASSRLS; it owns nothing and
  may create nothing in the schema, so it can neither `ALTER TABLE … DISABLE TRIGGER` nor
  `SET session_replication_role` (both need ownership or superuser);
- SELECT, INSERT, UPDATE, DELETE on every table, USAGE and SELECT on every sequence — but on
  the audit table only SELECT and INSERT (no UPDATE, DELETE, TRUNCATE);
- ALTER DEFAULT PRIVILEGES, so tables and sequences that later migrations create get the same
  grants.

Idempotent: re-running re-applies the attributes and the grants (in one transaction). The
password comes from an environment variable; an ASCII one is sent as a SCRAM-SHA-256 verifier,
so the clear text never reaches the server (nor its statement log).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from core.models import AuditEntry

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# Attributes the application role must not have, as pg_roles columns -> ALTER ROLE keywords.
FORBIDDEN = {
    "rolsuper": "NOSUPERUSER",
    "rolcreatedb": "NOCREATEDB",
    "rolcreaterole": "NOCREATEROLE",
    "rolreplication": "NOREPLICATION",
    "rolbypassrls": "NOBYPASSRLS",
}
TABLE_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"
AUDIT_PRIVILEGES = "SELECT, INSERT"
SEQUENCE_PRIVILEGES = "USAGE, SELECT"


def scram_sha256_verifier(password: str, *, salt: bytes | None = None, iterations=4096) -> str:
    """The verifier PostgreSQL stores for `password` (RFC 5802/7677, as pg_authid holds it)."""
    salt = salt if salt is not None else os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode()

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


class Command(BaseCommand):
    help = (
        "创建或更新应用数据库角色（以表的所有者运行）：可读写业务表，"
        "审计日志表只能查询和追加，不能修改、删除或清空。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--app-role", required=True, help="应用连接数据库所用的角色名")
        parser.add_argument(
            "--password-env",
            default="APP_DB_PASSWORD",
            help="存放应用角色密码的环境变量名（默认 APP_DB_PASSWORD；未设置则不改密码）",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, app_role, password_env, database, **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError("setup_db_roles 只适用于 PostgreSQL。")
        if not ROLE_NAME.match(app_role):
            raise CommandError(f"角色名不合法：{app_role}（小写字母、数字和下划线）")
        password = os.environ.get(password_env, "")
        with transaction.atomic(using=database), connection.cursor() as cursor:
            self.cursor, self.q = cursor, connection.ops.quote_name
            owner = self._owner(app_role)
            created = self._ensure_role(app_role, password)
            self._grant(app_role, owner, connection.settings_dict["NAME"])
        self.stdout.write(
            self.style.SUCCESS(
                f"应用角色 {app_role} 已{'创建' if created else '更新'}：业务表可读写，"
                f"审计日志表 {AuditEntry._meta.db_table} 只能查询和追加；表的所有者为 {owner}。"
            )
        )
        if not password:
            self.stdout.write(
                self.style.WARNING(f"未设置环境变量 {password_env}：应用角色的密码未改动。")
            )

    def _one(self, sql: str, params=()):
        self.cursor.execute(sql, params)
        return self.cursor.fetchone()

    def _owner(self, app_role: str) -> str:
        """The role that owns the audit table (and runs migrations); refuse anything else."""
        table = AuditEntry._meta.db_table
        row = self._one(
            "SELECT c.relowner::regrole::text, current_user, "
            "       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) "
            "FROM pg_class c WHERE c.oid = to_regclass(%s)",
            [table],
        )
        if row is None:
            raise CommandError(f"找不到表 {table}：请先运行 migrate。")
        owner, me, superuser = row
        owner = owner.strip('"')
        if app_role == owner:
            raise CommandError(f"应用角色不能是表的所有者 {owner}：请另起一个角色名。")
        if me != owner and not superuser:
            raise CommandError(
                f"当前连接的角色 {me} 不是表的所有者 {owner}："
                "请用所有者运行（DATABASE_URL=$MIGRATION_DATABASE_URL）。"
            )
        return owner

    def _ensure_role(self, role: str, password: str) -> bool:
        attributes = self._one(
            "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls "
            "FROM pg_roles WHERE rolname = %s",
            [role],
        )
        secret = " PASSWORD %s" if password else ""
        # An ASCII password is its own SASLprep form, so the verifier is exact; any other is
        # sent as is for the server to prepare and hash (password_encryption).
        params = [scram_sha256_verifier(password) if password.isascii() else password]
        params = params if password else []
        if attributes is None:
            # A new role has none of the forbidden attributes; naming them needs no superuser.
            self.cursor.execute(f"CREATE ROLE {self.q(role)} LOGIN NOINHERIT{secret}", params)
            return True
        # Only attributes that are wrong are named: changing them needs a superuser, and an
        # owner without superuser can still re-run the command on a role that is already right.
        fixes = [word for held, word in zip(attributes, FORBIDDEN.values(), strict=True) if held]
        self.cursor.execute(
            f"ALTER ROLE {self.q(role)} LOGIN NOINHERIT {' '.join(fixes)}{secret}", params
        )
        self._refuse_ownership_and_membership(role)
        return False

    def _refuse_ownership_and_membership(self, role: str) -> None:
        owned = self._one(
            "SELECT (SELECT count(*) FROM pg_class WHERE relowner = r.oid)"
            "     + (SELECT count(*) FROM pg_namespace WHERE nspowner = r.oid)"
            "     + (SELECT count(*) FROM pg_proc WHERE proowner = r.oid) "
            "FROM pg_roles r WHERE r.rolname = %s",
            [role],
        )[0]
        if owned:
            raise CommandError(
                f"角色 {role} 拥有本库中的 {owned} 个对象（表、模式或函数），"
                f"不能作为应用角色：请先 REASSIGN OWNED BY {role} TO 所有者。"
            )
        member_of = self._one(
            "SELECT array_agg(g.rolname::text ORDER BY g.rolname) FROM pg_auth_members m "
            "JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member "
            "WHERE u.rolname = %s",
            [role],
        )[0]
        if member_of:
            raise CommandError(
                f"角色 {role} 是 {'、'.join(member_of)} 的成员，会继承其权限："
                f"请先 REVOKE 这些成员关系。"
            )

    def _grant(self, role: str, owner: str, database: str) -> None:
        q, run = self.q, self.cursor.execute
        role_q, owner_q = q(role), q(owner)
        schema = self._one("SELECT current_schema()")[0]
        schema_q, audit_q = q(schema), q(AuditEntry._meta.db_table)
        # CONNECT and TEMPORARY (the roster import's temporary tables) are PUBLIC's by default;
        # granted only where missing, since that needs the database's owner.
        if not self._one(
            "SELECT has_database_privilege(%s, %s, 'CONNECT')"
            "   AND has_database_privilege(%s, %s, 'TEMPORARY')",
            [role, database, role, database],
        )[0]:
            run(f"GRANT CONNECT, TEMPORARY ON DATABASE {q(database)} TO {role_q}")
        # Nobody but the owner creates objects here: an object the application created would
        # be its own, with every right over it (PostgreSQL < 15 let PUBLIC create in public).
        if self._one("SELECT has_schema_privilege(%s, %s, 'CREATE')", [role, schema])[0]:
            run(f"REVOKE CREATE ON SCHEMA {schema_q} FROM PUBLIC, {role_q}")
        if self._one("SELECT has_schema_privilege(%s, %s, 'CREATE')", [role, schema])[0]:
            raise CommandError(f"角色 {role} 仍可在模式 {schema} 中建表：请检查该模式的授权。")
        run(f"GRANT USAGE ON SCHEMA {schema_q} TO {role_q}")
        # Start from nothing so that a grant made by hand (TRUNCATE, TRIGGER…) does not survive.
        run(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema_q} FROM {role_q}")
        run(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema_q} FROM {role_q}")
        run(f"GRANT {TABLE_PRIVILEGES} ON ALL TABLES IN SCHEMA {schema_q} TO {role_q}")
        run(f"GRANT {SEQUENCE_PRIVILEGES} ON ALL SEQUENCES IN SCHEMA {schema_q} TO {role_q}")
        run(f"REVOKE ALL ON TABLE {audit_q} FROM {role_q}")
        run(f"GRANT {AUDIT_PRIVILEGES} ON TABLE {audit_q} TO {role_q}")
        # PUBLIC must not hold anything on the audit table either (the app role inherits it).
        run(f"REVOKE ALL ON TABLE {audit_q} FROM PUBLIC")
        default = f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner_q} IN SCHEMA {schema_q}"
        run(f"{default} GRANT {TABLE_PRIVILEGES} ON TABLES TO {role_q}")
        run(f"{default} GRANT {SEQUENCE_PRIVILEGES} ON SEQUENCES TO {role_q}")
