"""`govkpi alerts history | backtest | resolve | feedback | audit`: the alert ledger's past, what
a set of rules would have fired, closing episodes by hand, and who did what (the audit log).
Registered under `govkpi alerts`."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from govkpi.commands.alert_ledger import audit, backtest, closure, history


def register(
    sub: argparse._SubParsersAction, common: Callable[[argparse.ArgumentParser], None]
) -> None:
    """Adds the actions to `govkpi alerts`; `common` adds --config and --store."""
    history.register(sub, common)
    backtest.register(sub, common)
    closure.register(sub, common)
    audit.register(sub, common)
