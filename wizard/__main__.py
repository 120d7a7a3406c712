"""Allow ``python -m wizard``."""

from wizard.cli import console_main

raise SystemExit(console_main())
