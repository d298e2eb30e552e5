"""Who gets an alert: the owners of its indicator area (catalogue owner_area) and market.

A route matches when its area is the metric's owner_area (or "*") and either it lists no
markets or the slice's market is one of them; a slice without a market (`all`, a category)
only matches routes that list no markets. Alerts no route matches go to the default
recipients (mail.to / GOVKPI_MAIL_TO); with `copy_default` the defaults get every alert.
"""

from __future__ import annotations

from metrics.settings import Settings


def recipients(config: Settings, area: str, market: str | None) -> list[str]:
    routed: list[str] = []
    for route in config.routing.owners:
        if route.area not in ("*", area):
            continue
        if route.markets and market not in route.markets:
            continue
        routed.extend(route.to)
    if not routed or config.routing.copy_default:
        routed.extend(config.mail.to)
    # Addresses compare case-insensitively; keep the first spelling, in route order.
    seen: dict[str, str] = {}
    for address in routed:
        seen.setdefault(address.lower(), address)
    return list(seen.values())
