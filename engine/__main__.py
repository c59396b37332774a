"""`python -m engine` is the `essaim` command."""

from engine.cli import main

main()
