"""The root command group: a command's module is imported only when that command runs.

The command modules import SQLAlchemy, the services and numpy (close to a second on a slow
machine). ``essaim --help`` needs none of it: it lists each command with a short help kept
in a table beside the module's name (`LazyCommand`), and a test checks that table against
the real commands. ``essaim batch --help`` or ``essaim batch add`` import only the module
that registers ``batch``.

The group also holds the last line of defence against tracebacks: any exception a command
lets through becomes one ``error:`` line (`engine.cli.context.report_unhandled`).

Typer 0.29 checks every parameter's value with a pydantic ``TypeAdapter``, built on first
use: a text parameter (a project's slug, ``--database-url``) or a flag left out then
imports pydantic and builds a schema, a tenth of ``essaim status``. A text or a flag as the
command line gives it is already what that adapter returns, so such parameters get
`PlainValue` instead, which hands anything else to typer's own adapter.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Any, ClassVar

import typer
from typer._click.core import Command, Context, Parameter  # typer's click, not click's
from typer._click.exceptions import UsageError
from typer._click.formatting import HelpFormatter
from typer._coercion import RuntimeParam, build_runtime_param
from typer.core import TyperCommand, TyperGroup

from engine.cli.context import DEBUG_VARIABLE, report_unhandled


@dataclass(frozen=True)
class LazyCommand:
    module: str
    """A module with ``register(app: typer.Typer)`` that adds this command (and others)."""
    help: str
    """The first line of the command's help, shown by ``essaim --help``."""


PLAIN_TYPES = (str, bool)


@dataclass(frozen=True)
class PlainValue(RuntimeParam):
    """A ``str`` or ``bool`` parameter's value as typer's adapter would give it, without
    pydantic when the value already is of that type (the adapter returns it unchanged;
    typer itself turns None into None or ``()`` before asking)."""

    def _coerce_value(self, value: Any, param: Any, ctx: Context) -> Any:
        if type(value) is self.annotation:
            return value
        return build_runtime_param(param.type_descriptor)._coerce_value(value, param, ctx)


def plain_parameters(command: Command, ctx: Context | None = None) -> None:
    """Give `PlainValue` to the ``str`` and ``bool`` parameters of ``command`` and its
    subcommands; with ``ctx``, the context it is called from, to its ``--help`` too (made
    on first use, with the names the command's own context inherits)."""
    params = list(command.params)
    if ctx is not None and "help_option_names" not in command.context_settings:
        help_option = command.get_help_option(ctx)
        if help_option is not None:
            params.append(help_option)
    for param in params:
        make_plain(param)
    if isinstance(command, TyperGroup):
        for subcommand in command.commands.values():
            plain_parameters(subcommand)


def make_plain(param: Parameter) -> None:
    """`PlainValue` for ``param`` if it is a ``str`` or ``bool`` parameter that typer has not
    yet coerced (not one with a parser or a file type, which typer treats otherwise)."""
    descriptor = getattr(param, "type_descriptor", None)
    if (
        descriptor is not None
        and getattr(param, "_runtime_param", True) is None
        and descriptor.annotation in PLAIN_TYPES
        and descriptor.file_annotation is None
        and descriptor.parameter_info.parser is None
    ):
        plain = PlainValue(descriptor.parameter_info, descriptor.annotation)
        param._runtime_param = plain  # type: ignore[attr-defined]


class LazyGroup(TyperGroup):
    """A typer group that imports a command's module on first use of the command."""

    lazy: ClassVar[Mapping[str, LazyCommand]] = {}
    _listing = False

    def list_commands(self, ctx: Context) -> list[str]:
        names = list(self.lazy)
        return names + [name for name in self.commands if name not in self.lazy]

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        entry = self.lazy.get(cmd_name)
        if entry is not None and self._listing:  # the root help: a name and a line
            return TyperCommand(cmd_name, help=entry.help, short_help=entry.help)
        if entry is not None:
            self._load(entry.module)
        else:  # a command missing from the table still works, at the price of every import
            self.load_all()
        return self.commands.get(cmd_name)

    def load_all(self) -> None:
        """Import every command module (for a walk over all commands)."""
        for module in dict.fromkeys(entry.module for entry in self.lazy.values()):
            self._load(module)

    def _load(self, module_name: str) -> None:
        module = importlib.import_module(module_name)
        registrar = typer.Typer()
        module.register(registrar)
        for name, command in typer.main.get_group(registrar).commands.items():
            self.commands.setdefault(name, command)

    def get_params(self, ctx: Context) -> list[Parameter]:
        params = super().get_params(ctx)
        for param in params:
            make_plain(param)
        return params

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def resolve_command(
        self, ctx: Context, args: list[str]
    ) -> tuple[str | None, Command | None, list[str]]:
        try:
            name, command, rest = super().resolve_command(ctx, args)
        except UsageError as exc:
            if args and "Did you mean" not in exc.message:
                matches = get_close_matches(args[0], self.list_commands(ctx))
                if matches:
                    exc.message = f"{exc.message.rstrip('.')}. Did you mean {matches[0]!r}?"
            raise
        if command is not None:
            plain_parameters(command, ctx)
        return name, command, rest

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        """Click's main, and one line instead of a traceback for whatever escapes a command."""
        try:
            return super().main(args, prog_name, complete_var, standalone_mode,
                                windows_expand_args, **extra)  # fmt: skip
        except Exception as exc:
            if os.environ.get(DEBUG_VARIABLE):
                raise
            code = report_unhandled(exc)
            if not standalone_mode:
                return code
            sys.exit(code)
