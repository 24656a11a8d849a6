"""``python -m copro_costing`` is the same as the ``copro-costing`` command."""

from .cli.main import main

if __name__ == "__main__":  # not when a portfolio worker started afresh (spawn: macOS, Windows) imports it again
    raise SystemExit(main())
