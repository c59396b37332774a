"""Running an installation: schema, projects, roles, status, the RQ worker."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer
from rich.table import Table

from engine import services
from engine.cli.context import console, fail, handles_errors, print_json, state
from engine.db import Database
from engine.migrate import upgrade
from engine.services.dto import ProjectStatus
from engine.spec import load_spec

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
    settings = state.settings()
    database = Database(settings.database_url)
    upgrade(database)
    console.print(f"database at the newest revision: {_safe_url(settings.database_url)}")


@project_app.command("create")
@handles_errors
def project_create(spec: Path = typer.Argument(..., help="Project spec (TOML).")) -> None:
    """Create a project from a spec; prints the new project's slug."""
    info = services.create_project(state.essaim().db, load_spec(spec))
    typer.echo(info.slug)


@project_app.command("list")
@handles_errors
def project_list(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List projects."""
    projects = services.list_projects(state.essaim().db)
    if as_json:
        print_json([p.__dict__ for p in projects])
        return
    table = Table("slug", "name", "kind", "status", "overlap", "confidence", "gold rate")
    for p in projects:
        table.add_row(p.slug, p.name, p.kind, p.status, f"{p.overlap_min}-{p.overlap_max}",
                      f"{p.confidence:.2f}", f"{p.gold_rate:.2f}")  # fmt: skip
    console.print(table)


@handles_errors
def status(
    project: str = typer.Argument(..., help="Project slug."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Progress of a project: items, tasks by status, answers, contributors, completion."""
    report = services.project_status(state.essaim().db, project)
    if as_json:
        print_json(report.as_dict())
        return
    print_status(report)


def print_status(report: ProjectStatus) -> None:
    console.print(f"[bold]{report.name}[/] ({report.slug}, {report.kind}, {report.status})",
                  highlight=False)  # fmt: skip
    console.print(
        f"items {report.items}  answers {report.answers}  "
        f"contributors {report.contributors}  gold tasks {report.gold_tasks}"
    )
    tasks = "  ".join(f"{name} {count}" for name, count in report.tasks.items())
    console.print(f"tasks: {tasks}")
    console.print(f"completion: {report.completion:.1%}")


@role_app.command("grant")
@handles_errors
def role_grant(
    identity: str = typer.Argument(..., help="platform:id, e.g. telegram:12345"),
    role: str = typer.Argument(..., help="requester, moderator or admin"),
    project: str | None = typer.Option(None, help="Only on this project."),
) -> None:
    """Grant a role to a platform identity (created if never seen)."""
    info = services.grant_role(state.essaim().db, identity, role, project=project)
    console.print(f"{identity}: roles {', '.join(info.roles)}", highlight=False)


@handles_errors
def sweep(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Free expired leases and close finished batches.

    The running bots do it every minute; where none runs, call it from cron.
    """
    report = services.sweep(state.essaim().db)
    if as_json:
        print_json(asdict(report))
        return
    closed = ", ".join(str(batch) for batch in report.batches_closed) or "none"
    console.print(f"leases released: {report.leases_released}  batches closed: {closed}",
                  highlight=False)  # fmt: skip


def worker(
    burst: bool = typer.Option(False, help="Stop when the queue is empty."),
) -> None:
    """Run an RQ worker on the configured Redis (ESSAIM_REDIS_URL)."""
    from redis import Redis
    from rq import Queue, Worker

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
