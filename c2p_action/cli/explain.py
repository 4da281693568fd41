"""``2c2p explain CODE``: what a gateway code or status means, and what to check."""

from __future__ import annotations

import json

import click

from c2p_action.cli._common import ExitCode, grid, json_option
from c2p_action.explanations import explain, explanation_for, tables, tables_listing

__all__ = ["explain_command"]


@click.command("explain")
@click.argument("code", required=False)
@click.option(
    "--family",
    metavar="NAME",
    help="A message family (payment, recurring ...) or a table (respCode, status);"
    " default: every table, the respCode table first.",
)
@click.option(
    "--list",
    "list_all",
    is_flag=True,
    help="List every code of --family's tables (default: every table).",
)
@json_option
@click.pass_context
def explain_command(
    ctx: click.Context, code: str | None, family: str | None, list_all: bool, as_json: bool
) -> None:
    """Explain a respCode (96), a transaction status (RP) or a family's own code.

    Prints what it means and, for set-up problems, the likely causes and what to check.
    Exits 2 for a code no table lists.
    """
    if list_all:
        _list(family, as_json)
        return
    if code is None:
        raise click.UsageError("give a CODE, or --list")
    found = explain(code, family=family)
    if as_json:
        click.echo(json.dumps(found.as_dict(), indent=2))
    else:
        click.echo(str(found) + (f"\n(table: {found.table})" if found.table else ""))
        others = [name for name in tables_listing(code) if name != found.table]
        if family is None and others:
            click.echo(f"(also a code of: {', '.join(others)}; narrow it with --family)")
    if not found.known:
        ctx.exit(ExitCode.USAGE)


def _list(family: str | None, as_json: bool) -> None:
    items = [explanation_for(member) for enum in tables(family).values() for member in enum]
    if as_json:
        click.echo(json.dumps([item.as_dict() for item in items], indent=2))
        return
    click.echo(
        grid(
            ("table", "code", "kind", "meaning"),
            [(i.table, i.code, i.kind.value, i.meaning or i.summary) for i in items],
        )
    )
