"""``python -m trustengine``: the command line, for when the console script is not on PATH."""

from __future__ import annotations

from trustengine.cli import main

if __name__ == "__main__":
    main(prog_name="trustengine")


__all__: list[str] = []
