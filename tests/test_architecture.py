"""The house rules that import-linter cannot see, read from the source (docs/ARCHITECTURE.md):

- only `issues/workflow.py` assigns an issue's status;
- only `issues/events.py` creates IssueEvent rows;
- a model is written (`Model.objects.create/update/delete/...`) only by its own app's service
  modules, the demo seeder and the short allow-list below, each entry with its reason;
- no module of an app is longer than the limit, except the listed ones (the list may only shrink).

Each check walks the syntax trees of the apps, so a new shortcut fails here with its file and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
APPS = ("core", "liaison", "households", "committees", "issues", "visits", "dashboard", "demo")
WRITES = frozenset(
    {
        "create",
        "bulk_create",
        "update",
        "bulk_update",
        "get_or_create",
        "update_or_create",
        "delete",
    }
)
# Modules that write their own app's models. Services by name; the rest are the platform pieces
# and the domain's own write paths that README and ARCHITECTURE.md name.
SERVICE_NAMES = ("services", "workflow", "events", "service", "bulk")
OWN_WRITERS = {
    "core/audit.py": "the audit trail's one writer",
    "core/outbox.py": "the outbox's one writer",
    "core/delivery.py": "per-recipient, per-channel delivery records",
    "core/periodic.py": "periodic-run bookkeeping",
    "core/notifications/inapp.py": "the in-app bell backend",
    "core/api/authentication.py": "token expiry and last-use bookkeeping",
    "core/security/signals.py": "login bookkeeping on Django's auth signals",
    "liaison/accounts.py": "accounts (users and their cadre) are created here",
    "issues/alerts.py": "issue alerts (notifications) are written with the issue's services",
    "visits/reminders.py": "the reminder run: reminder rows, insert-or-ignore",
    "visits/sync.py": "offline sync receipts (idempotency keys)",
    "dashboard/rollup.py": "the roll-up tables are derived data the dashboard maintains",
    "dashboard/surveys.py": "survey responses: the survey domain's service",
    "households/contact_cards.py": "contact-card print runs",
}
# Writes across apps: the writer is the other app's service or the demo seeder.
CROSS_APP_WRITERS = {}
MAX_LINES = 400
LONG_MODULES: set[str] = set()


def _modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def _model_apps() -> dict[str, str]:
    return {
        model.__name__: model.__module__.split(".")[0]
        for model in apps.get_models()
        if model.__module__.split(".")[0] in APPS
    }


def _base_name(node):
    while isinstance(node, ast.Call | ast.Attribute):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def test_only_the_workflow_assigns_an_issue_status():
    found = []
    for rel, tree in _modules():
        if rel == "issues/workflow.py":
            continue
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else []
            for target in targets:
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr == "status"
                    and "issue" in (_base_name(target.value) or "").lower()
                ):
                    found.append(f"{rel}:{node.lineno}")
            if not isinstance(node, ast.Call) or _base_name(node.func) != "Issue":
                continue
            constructs = isinstance(node.func, ast.Name)
            writes = isinstance(node.func, ast.Attribute) and node.func.attr in WRITES
            if (constructs or writes) and any(k.arg == "status" for k in node.keywords):
                found.append(f"{rel}:{node.lineno}")
    assert found == [], f"Issue.status assigned outside issues/workflow.py: {found}"


def test_only_events_creates_issue_events():
    found = []
    for rel, tree in _modules():
        if rel == "issues/events.py":
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            constructs = isinstance(func, ast.Name) and func.id == "IssueEvent"
            writes = isinstance(func, ast.Attribute) and func.attr in WRITES
            if constructs or (writes and _base_name(func) == "IssueEvent"):
                found.append(f"{rel}:{node.lineno}")
    assert found == [], f"IssueEvent created outside issues/events.py: {found}"


@pytest.mark.django_db(databases=[])
def test_models_are_written_only_by_their_own_services():
    owners = _model_apps()
    found = []
    for rel, tree in _modules():
        app = rel.split("/")[0]
        if app == "demo":
            continue  # the seeder builds history in bulk, through the same functions
        is_service = Path(rel).stem.startswith(SERVICE_NAMES) or rel in OWN_WRITERS
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in WRITES:
                continue
            owner = owners.get(_base_name(node.func))
            if owner is None:
                continue
            if owner != app and rel not in CROSS_APP_WRITERS:
                found.append(f"{rel}:{node.lineno} writes {owner}")
            elif owner == app and not is_service:
                found.append(f"{rel}:{node.lineno} writes outside a service")
    assert found == [], found


def test_the_allow_lists_name_real_files():
    for rel in [*OWN_WRITERS, *CROSS_APP_WRITERS, *LONG_MODULES]:
        assert (ROOT / rel).exists(), rel


def test_modules_stay_short():
    long = {
        rel
        for rel, _tree in _modules()
        if len((ROOT / rel).read_text(encoding="utf-8").splitlines()) > MAX_LINES
    }
    assert long <= LONG_MODULES, f"over {MAX_LINES} lines: {sorted(long - LONG_MODULES)}"
