"""The sample marketplace: markets, categories and seller tiers with their sizes and risks.

Numbers are invented but shaped like public transparency reports: a few big storefronts
beside tiny ones, regulated categories that need certificates, new sellers who violate far
more often than established ones. Codes are positions in these tuples; the generator's SQL
works on the codes and maps them to names only when it writes the exports.
"""

from __future__ import annotations

from dataclasses import dataclass

from metrics.contract import COMPLAINT_CHANNELS, DETECTION_CHANNELS, REMOVAL_REASONS


@dataclass(frozen=True)
class Market:
    code: str
    weight: float
    # Violation risk relative to the platform.
    risk: float
    # Views per live listing per day, relative to the platform.
    engagement: float


@dataclass(frozen=True)
class Category:
    name: str
    weight: float
    regulated: bool
    risk: float
    # Share of new listings without the required certificates (regulated only).
    missing_certs: float
    # Weights of the removal reasons except missing_qualification, in REMOVAL_REASONS order.
    reasons: tuple[float, float, float, float, float, float]
    subcategories: tuple[str, ...]
    views_per_listing: float
    conversion: float


@dataclass(frozen=True)
class Tier:
    name: str
    # Share of a small seller's listings that violate (big catalogues: see SIZE_RISK_RANK).
    violation: float
    cert_risk: float
    appeal: float
    sells: float


MARKETS: tuple[Market, ...] = (
    Market("US", 0.200, 1.00, 1.10),
    Market("DE", 0.130, 0.85, 1.00),
    Market("FR", 0.100, 0.90, 0.95),
    Market("BR", 0.090, 1.30, 0.90),
    Market("ES", 0.090, 0.95, 0.95),
    Market("IT", 0.080, 0.95, 0.90),
    Market("PL", 0.060, 1.10, 0.85),
    Market("NL", 0.050, 0.80, 1.05),
    Market("MX", 0.050, 1.20, 0.85),
    Market("KR", 0.040, 0.90, 1.20),
    Market("BE", 0.030, 0.85, 1.00),
    Market("PT", 0.020, 1.00, 0.90),
    Market("SE", 0.020, 0.75, 1.05),
    Market("CL", 0.006, 1.20, 0.80),
    Market("IE", 0.004, 0.80, 1.00),
)

# fmt: off
_CATEGORY_TABLE = (
    # name, share, regulated, risk, missing certs, views/listing/day, conversion,
    # reason weights (counterfeit, ip, prohibited, safety, misleading, other), subcategories
    ("apparel", 0.16, False, 1.2, 0.0, 6.0, 0.040, (0.45, 0.20, 0.02, 0.03, 0.20, 0.10),
     ("tops", "dresses", "outerwear", "underwear", "sportswear", "accessories")),
    ("home", 0.13, False, 0.7, 0.0, 4.0, 0.030, (0.10, 0.10, 0.10, 0.25, 0.30, 0.15),
     ("kitchen", "furniture", "decor", "bedding", "storage", "lighting")),
    ("electronics", 0.12, True, 1.1, 0.037, 8.0, 0.024, (0.25, 0.15, 0.05, 0.30, 0.20, 0.05),
     ("phones", "phone_accessories", "chargers", "audio", "computers", "smart_home", "cables")),
    ("cosmetics", 0.08, True, 1.3, 0.044, 5.0, 0.050, (0.35, 0.10, 0.10, 0.25, 0.15, 0.05),
     ("skincare", "makeup", "fragrance", "haircare", "nail_care")),
    ("shoes", 0.07, False, 1.4, 0.0, 6.0, 0.036, (0.55, 0.20, 0.00, 0.02, 0.15, 0.08),
     ("sneakers", "boots", "sandals", "formal")),
    ("toys", 0.07, True, 1.2, 0.048, 5.0, 0.044, (0.30, 0.20, 0.03, 0.30, 0.12, 0.05),
     ("dolls", "building_sets", "plush", "outdoor_toys", "educational", "rc_vehicles")),
    ("sports", 0.07, False, 0.8, 0.0, 4.0, 0.030, (0.30, 0.15, 0.05, 0.20, 0.20, 0.10),
     ("fitness", "cycling", "camping", "team_sports")),
    ("auto_parts", 0.05, False, 0.9, 0.0, 3.0, 0.040, (0.20, 0.15, 0.10, 0.30, 0.15, 0.10),
     ("brakes", "car_lighting", "tyres", "interior")),
    ("books", 0.05, False, 0.3, 0.0, 3.0, 0.060, (0.10, 0.50, 0.10, 0.00, 0.15, 0.15),
     ("fiction", "non_fiction", "children", "textbooks")),
    ("baby", 0.04, True, 1.0, 0.051, 4.0, 0.040, (0.15, 0.05, 0.05, 0.55, 0.15, 0.05),
     ("strollers", "car_seats", "feeding", "nursery", "baby_care")),
    ("jewelry", 0.04, False, 1.5, 0.0, 5.0, 0.020, (0.60, 0.15, 0.02, 0.03, 0.15, 0.05),
     ("rings", "necklaces", "watches", "earrings")),
    ("pet_supplies", 0.03, False, 0.7, 0.0, 3.0, 0.060, (0.10, 0.05, 0.15, 0.30, 0.30, 0.10),
     ("pet_food", "pet_toys", "pet_health", "pet_accessories")),
    ("food_supplements", 0.025, True, 1.6, 0.077, 4.0, 0.060,
     (0.10, 0.02, 0.40, 0.20, 0.25, 0.03), ("vitamins", "protein", "weight_loss", "herbal")),
    ("medical_devices", 0.010, True, 1.5, 0.094, 3.0, 0.030,
     (0.10, 0.05, 0.30, 0.30, 0.20, 0.05),
     ("thermometers", "masks", "blood_pressure", "hearing_aids")),
)
# fmt: on
CATEGORIES: tuple[Category, ...] = tuple(
    Category(name, share, reg, risk, certs, reasons, subs, views, conv)
    for name, share, reg, risk, certs, views, conv, reasons, subs in _CATEGORY_TABLE
)

TIERS: tuple[Tier, ...] = (
    Tier("new", violation=0.19, cert_risk=2.5, appeal=0.12, sells=0.25),
    Tier("standard", violation=0.05, cert_risk=1.0, appeal=0.20, sells=0.40),
    Tier("top", violation=0.015, cert_risk=0.4, appeal=0.26, sells=0.60),
    Tier("brand_official", violation=0.007, cert_risk=0.2, appeal=0.35, sells=0.70),
)

# Sellers with big catalogues violate less per listing and keep their certificates in order
# (compliance staff, brand checks): among the biggest SIZE_RISK_RANK of sellers (those with
# more than about ten listings) the chance of a violation or a missing certificate falls
# like (size rank / cutoff) ** power. With rates flat per listing, every big seller would be
# a repeat offender every few days and the repeat-offender rate would sit near one half; on
# a real platform most offenders are small sellers with one or two strikes (normal days:
# about 0.2-0.25).
SIZE_RISK_RANK = 0.3
SIZE_RISK_POWER = 0.7

# Tier mix by seller size (rank among sellers by listings, as a fraction): big sellers are
# established brands and top sellers, the long tail is mostly new and standard sellers.
TIER_MIX_BY_SIZE: tuple[tuple[float, tuple[float, float, float, float]], ...] = (
    (0.002, (0.00, 0.20, 0.45, 0.35)),
    (0.05, (0.07, 0.57, 0.30, 0.06)),
    (1.0, (0.45, 0.50, 0.04, 0.01)),
)

REASON = {name: i for i, name in enumerate(REMOVAL_REASONS)}
CHANNEL = {name: i for i, name in enumerate(DETECTION_CHANNELS)}
COMPLAINT_CHANNEL_NAMES = COMPLAINT_CHANNELS

# Share of detected violations of each reason found proactively, and of those the share the
# model (rather than manual review) finds. Indexed by reason code. A well-run platform finds
# about 98% of what it removes itself (published: 97-99% of IP removals); misleading claims
# and "other" are the hardest for a model, missing certificates the easiest. The removals
# that are left, found by complaints, mostly come after a sale, so removals before the first
# sale settle near 97%.
PROACTIVE_SHARE = (0.99, 0.985, 0.993, 0.985, 0.97, 0.997, 0.975)
MODEL_SHARE = (0.72, 0.72, 0.75, 0.70, 0.65, 0.90, 0.65)
# Violations nobody ever finds.
UNDETECTED = 0.03

# Who reports a violation the proactive systems missed, by reason: weights for
# consumer, rights_holder, trusted_flagger, authority (detection channel codes 2..5).
REACTIVE_CHANNELS = (
    (0.20, 0.60, 0.20, 0.00),
    (0.15, 0.65, 0.20, 0.00),
    (0.45, 0.00, 0.25, 0.30),
    (0.50, 0.00, 0.20, 0.30),
    (0.90, 0.00, 0.10, 0.00),
    (0.45, 0.00, 0.00, 0.55),
    (0.90, 0.00, 0.10, 0.00),
)

# Decision time of a complaint by channel (consumer, rights_holder, trusted_flagger,
# authority): lognormal median hours and sigma. About 95% of consumer complaints are decided
# within their 72 h, 98% of IP notices within 24 h (published: 96-98%), and authority orders
# are fast-tracked so that practically none misses its two working days.
DECISION_HOURS = ((27.0, 0.58), (7.0, 0.60), (5.0, 0.60), (8.0, 0.50))

# Share of appeals overturned by detection channel code: model mistakes are the most common.
OVERTURN_BY_CHANNEL = (0.16, 0.10, 0.08, 0.06, 0.05, 0.02)
