"""``cti doctor``: checks of a live setup (checks.py) and the command (cli.py)."""
