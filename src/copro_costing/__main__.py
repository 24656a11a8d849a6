"""``python -m copro_costing`` is the same as the ``copro-costing`` command."""

from .cli.main import main

raise SystemExit(main())
