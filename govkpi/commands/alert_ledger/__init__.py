"""`govkpi alerts history | backtest | resolve | feedback`: the alert ledger's past, what a set of
rules would have fired, and closing episodes by hand. Registered under `govkpi alerts`."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from govkpi.commands.alert_ledger import backtest, closure, history


def register(
    sub: argparse._SubParsersAction, common: Callable[[argparse.ArgumentParser], None]
) -> None:
    """Adds the actions to `govkpi alerts`; `common` adds --config and --store."""
    history.register(sub, common)
    backtest.register(sub, common)
    closure.register(sub, common)
