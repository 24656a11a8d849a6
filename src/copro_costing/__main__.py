"""``python -m copro_costing`` is the same as the ``copro-costing`` command."""

from .cli import main

raise SystemExit(main())
