"""Running an installation: schema, projects, roles, status, the RQ worker.

Imports of the database and the services happen inside the commands: ``essaim status
--help`` or ``essaim db --help`` then cost no more than typer itself.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.text import Text

from engine.actors import OPERATOR
from engine.cli.context import (
    cell,
    collector_paused,
    console,
    fail,
    handles_errors,
    print_json,
    shown,
    state,
)
from engine.terminal import printable

if TYPE_CHECKING:
    from engine.services.dto import ProjectStatus

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
project_app = typer.Typer(help="Create and list projects.", no_args_is_help=True)
role_app = typer.Typer(help="Grant roles.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
    app.add_typer(project_app, name="project")
    app.add_typer(role_app, name="role")
    app.command("status")(status)
    app.command("worker")(worker)
    app.command("sweep")(sweep)


@db_app.command("upgrade")
@handles_errors
def db_upgrade() -> None:
    """Create the schema or bring it to the newest revision."""
    from engine.db import Database
    from engine.migrate import upgrade

    settings = state.settings()
    database = Database(settings.database_url)
    upgrade(database)
    console.print(shown(f"database at the newest revision: {_safe_url(settings.database_url)}"))


@project_app.command("create")
@handles_errors
def project_create(spec: Path = typer.Argument(..., help="Project spec (TOML).")) -> None:
    """Create a project from a spec; prints the new project's slug."""
    from engine import services
    from engine.spec import load_spec

    project_spec = load_spec(spec)  # a bad spec fails before any database work
    info = services.create_project(state.essaim().db, project_spec, actor_id=OPERATOR)
    typer.echo(info.slug)


@project_app.command("list")
@handles_errors
def project_list(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List projects."""
    from rich.table import Table  # not imported by `status`, which prints lines

    from engine import services

    projects = services.list_projects(state.essaim().db)
    if as_json:
        print_json([p.__dict__ for p in projects])
        return
    table = Table("slug", "name", "kind", "status", "overlap", "confidence", "gold rate")
    for p in projects:
        table.add_row(cell(p.slug), cell(p.name), cell(p.kind), cell(p.status),
                      f"{p.overlap_min}-{p.overlap_max}", f"{p.confidence:.2f}",
                      f"{p.gold_rate:.2f}")  # fmt: skip
    console.print(table)


@handles_errors
def status(
    project: str = typer.Argument(..., help="Project slug."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Progress of a project: items, tasks by status, answers, contributors, completion."""
    with collector_paused():
        from engine import services

        report = services.project_status(state.essaim().db, project, actor_id=OPERATOR)
    if as_json:
        print_json(report.as_dict())
        return
    print_status(report)


def print_status(report: ProjectStatus) -> None:
    """The status as lines of text; names and slugs are the requester's: no markup in them."""
    title = Text(printable(report.name, keep_newlines=False), style="bold")
    title.append(printable(f" ({report.slug}, {report.kind}, {report.status})"))
    console.print(title, highlight=False)
    console.print(
        f"items {report.items}  answers {report.answers}  "
        f"contributors {report.contributors}  gold tasks {report.gold_tasks}",
        markup=False,
        highlight=False,
    )
    tasks = "  ".join(f"{name} {count}" for name, count in report.tasks.items())
    console.print(f"tasks: {tasks}", markup=False, highlight=False)
    console.print(f"completion: {report.completion:.1%}", markup=False, highlight=False)


@role_app.command("grant")
@handles_errors
def role_grant(
    identity: str = typer.Argument(..., help="platform:id, e.g. telegram:12345"),
    role: str = typer.Argument(..., help="requester, moderator or admin"),
    project: str | None = typer.Option(None, help="Only on this project."),
) -> None:
    """Grant a role to a platform identity (created if never seen)."""
    from engine import services

    info = services.grant_role(
        state.essaim().db, identity, role, project=project, actor_id=OPERATOR
    )
    where = f" on {project}" if project else ""
    console.print(shown(f"{identity}: roles{where} {', '.join(info.roles)}"), highlight=False)


@handles_errors
def sweep(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Free expired leases and close finished batches.

    The running bots do it every minute; where none runs, call it from cron.
    """
    from engine import services

    report = services.sweep(state.essaim().db)
    if as_json:
        print_json(asdict(report))
        return
    closed = ", ".join(str(batch) for batch in report.batches_closed) or "none"
    console.print(f"leases released: {report.leases_released}  batches closed: {closed}",
                  markup=False, highlight=False)  # fmt: skip


@handles_errors
def worker(
    burst: bool = typer.Option(False, help="Stop when the queue is empty."),
) -> None:
    """Run an RQ worker on the configured Redis (ESSAIM_REDIS_URL)."""
    from redis import Redis
    from rq import Queue, Worker

    from engine.db import Database
    from engine.jobs import set_process_database

    settings = state.settings()
    if not settings.redis_url:
        raise fail("ESSAIM_REDIS_URL is not set: without Redis, jobs run inline")
    connection = Redis.from_url(settings.redis_url)
    set_process_database(Database(settings.database_url))
    queue = Queue(settings.queue_name, connection=connection)
    Worker([queue], connection=connection).work(burst=burst)


def _safe_url(url: str) -> str:
    """The URL without its password, for printing."""
    head, sep, tail = url.partition("@")
    if not sep or ":" not in head.split("//", 1)[-1]:
        return url
    scheme, _, credentials = head.partition("//")
    return f"{scheme}//{credentials.split(':', 1)[0]}:***@{tail}"
