"""SQL for the listings: who lists what where, and each listing's lifecycle.

`lifecycle_sql` turns base rows (index, seller, tier, market, category, creation time and
optional incident overrides) into the table `lc`: publication, violation, how and when it is
found, removal and first sale, all as epoch microseconds and small integer codes. The
complaint, appeal and traffic SQL read `lc`; `listings_output_sql` maps it to the contract.
Times past the export end are cut (set to NULL) only at the end, so a listing whose removal
falls after the end is simply still live. Parameters ($name) come from the generator.
"""

from __future__ import annotations

from sample_data import dsa_fields
from sample_data.catalog import (
    CATEGORIES,
    DECISION_HOURS,
    MARKETS,
    MODEL_SHARE,
    PROACTIVE_SHARE,
    REACTIVE_CHANNELS,
    REASON,
    SIZE_RISK_POWER,
    SIZE_RISK_RANK,
    TIER_MIX_BY_SIZE,
    TIERS,
    UNDETECTED,
)
from sample_data.sqlrand import SqlRandom, choice, lookup, nested_choice

# Sellers list mostly in their home market and their main category.
HOME_MARKET_SHARE = 0.85
FOCUS_CATEGORY_SHARE = 0.70
NO_SUBCATEGORY = 0.02
# Regulated listings held for manual review before publication.
HELD_FOR_REVIEW = 0.25
# Median hours: model block before publication, model and review takedowns after it,
# a report about a violation the proactive systems missed, and the first sale.
BLOCK_HOURS = 0.3
MODEL_HOURS = 6.0
REVIEW_HOURS = 36.0
REVIEW_SIGMA = 0.9
REPORT_HOURS = 96.0
# Log-normal sigma of the report delay: a few reports come weeks after publication.
REPORT_SIGMA = 1.1
SALE_HOURS = 120.0
# Share of the model's catches blocked before publication (most missing certificates are).
BLOCKED_BY_MODEL = 0.55
BLOCKED_MISSING_CERTS = 0.9
DECISION_MEDIANS = [h for h, _ in DECISION_HOURS]
DECISION_SIGMAS = [s for _, s in DECISION_HOURS]
# Incidents: the certificate rule multiplies missing certificates; the model outage also
# loses this share of manual review (fed by the model); a backlog adds this many hours
# (median, log-normal with this sigma).
RULE_CHANGE_FACTOR = 3.0
OUTAGE_REVIEW_LOSS = 0.6
BACKLOG_HOURS = 60.0
BACKLOG_SIGMA = 0.4


def market_weights() -> list[float]:
    return [m.weight for m in MARKETS]


def category_weights() -> list[float]:
    return [c.weight for c in CATEGORIES]


def main_base_sql(r: SqlRandom) -> str:
    """Listings drawn from the daily plan: table `idx` (i, d) plus list parameters."""
    size_rank = "(exp(ln($k0) + u_seller * ln(($n_sellers + $k0) / $k0)) - $k0)"
    tier_cases = " ".join(
        f"WHEN seller_key < {q!r} * $n_sellers THEN {choice('u_tier', mix)}"
        for q, mix in TIER_MIX_BY_SIZE
    )
    # Within a day, listings are spread over the clock with a mild midday (UTC) peak; the
    # warp keeps the order of the day's indexes, so listing ids grow with creation time.
    pos = "((i - $listing_start[d + 1] + u_tod) / $listings[d + 1])"
    tod = f"({pos} + 0.08 * sin(2.0 * pi() * {pos}))"
    return f"""
    SELECT
        i AS idx,
        seller_key,
        CAST(CASE {tier_cases} END AS TINYINT) AS tier,
        CAST(CASE WHEN u_home < {HOME_MARKET_SHARE} THEN {choice("u_smkt", market_weights())}
             ELSE {choice("u_mkt", market_weights())} END AS TINYINT) AS m,
        CAST(CASE WHEN u_focus < {FOCUS_CATEGORY_SHARE}
             THEN {choice("u_scat", category_weights())}
             ELSE {choice("u_cat", category_weights())} END AS TINYINT) AS c,
        $day_us[d + 1] + CAST(least(greatest({tod}, 0.0), 0.999999) * 86400000000 AS BIGINT)
            AS created_us,
        CAST(NULL AS DOUBLE) AS ov_pv,
        CAST(NULL AS TINYINT) AS ov_reason,
        CAST(NULL AS DOUBLE) AS ov_ppro,
        CAST(NULL AS DOUBLE) AS ov_react_h,
        1.0 AS ov_dup
    FROM (
        SELECT *,
            {r.u("seller_key", "seller.tier")} AS u_tier,
            {r.u("seller_key", "seller.market")} AS u_smkt,
            {r.u("seller_key", "seller.category")} AS u_scat
        FROM (
            SELECT i, d,
                CAST(least(greatest(floor({size_rank}), 0), $n_sellers - 1) AS BIGINT)
                    AS seller_key,
                u_tod, u_home, u_mkt, u_focus, u_cat
            FROM (
                SELECT i, d,
                    {r.u("i", "listing.seller")} AS u_seller,
                    {r.u("i", "listing.tod")} AS u_tod,
                    {r.u("i", "listing.home")} AS u_home,
                    {r.u("i", "listing.market")} AS u_mkt,
                    {r.u("i", "listing.focus")} AS u_focus,
                    {r.u("i", "listing.category")} AS u_cat
                FROM idx
            )
        )
    )
    """


def _stages(source: str, stages: list[str], final: str) -> str:
    """A top-down chain of CTEs, each adding columns to the previous one's rows."""
    ctes = [f"s0 AS (SELECT *, {stages[0]} FROM {source})"]
    ctes += [f"s{i} AS (SELECT *, {stage} FROM s{i - 1})" for i, stage in enumerate(stages) if i]
    return f"WITH {', '.join(ctes)} SELECT {final} FROM s{len(stages) - 1}"


def lifecycle_sql(r: SqlRandom, source: str) -> str:
    """SELECT producing the `lc` rows for the base rows of `source` (a table or subquery).

    Codes: tier, m (market), c (category), reason (REMOVAL_REASONS), channel
    (DETECTION_CHANNELS); cls is how a violation is found: 0 model, 1 review, 2 a complaint,
    3 never. Incidents enter through parameters (outage, backlog, rule change, bad rule).
    """
    cats, tiers, k = CATEGORIES, TIERS, "idx"
    regulated = lookup("c", [c.regulated for c in cats])
    rule = (
        f"CASE WHEN c = $rule_cat AND created_us >= $rule_us THEN {RULE_CHANGE_FACTOR} ELSE 1 END"
    )
    # seller_key is the seller's size rank (0 = the biggest catalogue).
    size_risk = (
        f"least(1.0, pow((seller_key + $k0) / ({SIZE_RISK_RANK} * $n_sellers), {SIZE_RISK_POWER}))"
    )
    p_missing = (
        f"{lookup('c', [c.missing_certs for c in cats])} "
        f"* {lookup('tier', [t.cert_risk for t in tiers])} * size_risk * {rule}"
    )
    p_violation = (
        f"coalesce(ov_pv, {lookup('tier', [t.violation for t in tiers])} "
        f"* {lookup('c', [c.risk for c in cats])} * {lookup('m', [m.risk for m in MARKETS])} "
        "* size_risk)"
    )
    # PROACTIVE_SHARE is a share of the detected violations; u_det also covers the undetected.
    detected = 1 - UNDETECTED
    p_pro = (
        f"coalesce(ov_ppro * {detected}, "
        f"{lookup('reason', [p * detected for p in PROACTIVE_SHARE])})"
    )
    p_model = f"{p_pro} * {lookup('reason', MODEL_SHARE)}"
    held = f"(regulated AND u_held < {HELD_FOR_REVIEW})"
    outage = "t_det BETWEEN $out_s AND $out_e"
    lognormal = r.lognormal_us
    review_delay = lognormal(k, "detect.review", REVIEW_HOURS, REVIEW_SIGMA)
    stages = [
        # Random draws, subcategory, whether the seller makes a sale at all.
        ",\n".join(f"{r.u(k, 'listing.' + n)} AS u_{n}" for n in _UNIFORMS)
        + f""",
        {regulated} AS regulated,
        {size_risk} AS size_risk,
        CASE WHEN u_nol2 >= {NO_SUBCATEGORY}
             THEN CAST(floor({_l2_count("c")} * pow(u_l2, 1.6)) AS TINYINT) END AS l2,
        u_sold < {lookup("tier", [t.sells for t in tiers])} AS sells""",
        # Certificates, then whether (and why) the listing violates a policy.
        f"regulated AND u_cert < {p_missing} AS missing",
        f"""CAST(CASE WHEN missing THEN {REASON["missing_qualification"]}
                      WHEN u_viol < {p_violation}
                      THEN coalesce(ov_reason, {nested_choice("c", "u_reason", _reason_mix())})
                 END AS TINYINT) AS reason,
        created_us + {
            lognormal(
                k,
                "publish.delay",
                f"CASE WHEN {held} THEN 18.0 ELSE 0.5 END",
                f"CASE WHEN {held} THEN 0.8 ELSE 1.1 END",
            )
        } AS pub_us""",
        # How the violation would be found, and the first sale's time if it sells.
        f"""CASE WHEN reason IS NULL THEN NULL
                 WHEN u_det < {p_model} THEN 0
                 WHEN u_det < {p_pro} THEN 1
                 WHEN u_det < {detected} THEN 2
                 ELSE 3 END AS cls,
        coalesce(u_det < {p_model} AND u_pre < CASE WHEN reason = {REASON["missing_qualification"]}
            THEN {BLOCKED_MISSING_CERTS} ELSE {BLOCKED_BY_MODEL} END, false) AS prepub,
        pub_us + {lognormal(k, "sale.delay", SALE_HOURS, 1.5)} AS sale_us""",
        # When the proactive systems act: blocked before going live, or taken down later.
        f"""CASE WHEN prepub THEN created_us + {lognormal(k, "detect.block", BLOCK_HOURS, 1.0)}
                 WHEN cls = 0 THEN pub_us + {lognormal(k, "detect.model", MODEL_HOURS, 1.4)}
                 WHEN cls = 1 THEN pub_us + {review_delay}
            END AS t_det""",
        # The model outage: what the model (and part of the review it feeds) would have
        # found goes live and is reported later instead.
        f"""coalesce((cls = 0 AND {outage})
            OR (cls = 1 AND {outage} AND u_outrev < {OUTAGE_REVIEW_LOSS}), false) AS hit""",
        # After the outage: cls2 and prepub2 are the final way of finding and blocking.
        "CASE WHEN hit THEN 2 ELSE cls END AS cls2, coalesce(prepub AND NOT hit, false) AS prepub2",
        # Reported violations: who reports, when, and when the decision comes.
        f"""CASE WHEN cls2 = 2 THEN pub_us + {
            lognormal(k, "complaint.delay", f"coalesce(ov_react_h, {REPORT_HOURS})", REPORT_SIGMA)
        } END AS recv_us,
        CASE cls2 WHEN 0 THEN 0 WHEN 1 THEN 1
                  WHEN 2 THEN 2 + {nested_choice("reason", "u_rch", REACTIVE_CHANNELS)}
        END AS channel,
        $fp_s + CAST({r.u(k, "fp.time")} * ($fp_e - $fp_s) AS BIGINT) AS fp_us""",
        f"""recv_us + {
            lognormal(
                k,
                "complaint.decision",
                lookup("channel - 2", DECISION_MEDIANS),
                lookup("channel - 2", DECISION_SIGMAS),
            )
        } + CASE WHEN m = $bl_m AND recv_us BETWEEN $bl_s AND $bl_e
                 THEN {lognormal(k, "complaint.backlog", BACKLOG_HOURS, BACKLOG_SIGMA)} ELSE 0 END
            AS dec_us,
        -- The over-aggressive rule removes compliant listings that are live at the time.
        reason IS NULL AND u_fp < $fp_p AND pub_us < fp_us AND NOT prepub2 AS fp""",
        """CASE WHEN fp THEN fp_us WHEN cls2 < 2 THEN t_det WHEN cls2 = 2 THEN dec_us END
            AS rem_us""",
    ]
    final = """
        idx, seller_key, tier, m, c, l2, regulated,
        CASE WHEN regulated THEN NOT missing END AS has_certs,
        created_us,
        CASE WHEN NOT prepub2 AND pub_us <= $end_us THEN pub_us END AS published_us,
        CASE WHEN rem_us <= $end_us THEN rem_us END AS removed_us,
        CASE WHEN rem_us <= $end_us THEN CASE WHEN fp THEN {prohibited} ELSE reason END END
            AS reason_f,
        CASE WHEN rem_us <= $end_us THEN CASE WHEN fp THEN 0 ELSE channel END END AS channel_f,
        CASE WHEN NOT prepub2 AND sells AND sale_us <= $end_us
             AND (rem_us IS NULL OR sale_us < rem_us) THEN sale_us END AS sale_us,
        reason, reason IS NOT NULL AS viol, cls2 AS cls, rem_us AS planned_removal_us,
        channel, recv_us, dec_us, ov_dup, fp, prepub2 AS prepub
    """.format(prohibited=REASON["prohibited_item"])
    return _stages(source, stages, final)


_UNIFORMS = (
    "cert",
    "viol",
    "reason",
    "det",
    "pre",
    "rch",
    "held",
    "outrev",
    "fp",
    "sold",
    "nol2",
    "l2",
)


def _reason_mix() -> list[list[float]]:
    # Category mixes exclude missing_qualification, which comes from the certificates.
    mq = REASON["missing_qualification"]
    return [list(c.reasons[:mq]) + [0.0] + list(c.reasons[mq:]) for c in CATEGORIES]


def _l2_count(code_sql: str) -> str:
    return lookup(code_sql, [len(c.subcategories) for c in CATEGORIES])


def l2_names() -> tuple[list[str], list[int]]:
    """All subcategory names in one list, and each category's offset into it."""
    names: list[str] = []
    offsets: list[int] = []
    for c in CATEGORIES:
        offsets.append(len(names))
        names += list(c.subcategories)
    return names, offsets


def listings_output_sql(r: SqlRandom) -> str:
    """The contract's listings columns from `lc`, in listing order."""
    return f"""
    SELECT
        'L' || lpad(CAST(idx AS VARCHAR), 10, '0') AS listing_id,
        'S' || lpad(CAST((seller_key * 2654435761) % 1000000000 AS VARCHAR), 9, '0')
            AS seller_id,
        $tier_names[tier + 1] AS seller_tier,
        $market_names[m + 1] AS market,
        $category_names[c + 1] AS category_l1,
        $l2_names[$l2_offsets[c + 1] + l2 + 1] AS category_l2,
        regulated AS is_regulated_category,
        has_certs AS has_required_certs,
        make_timestamp(created_us) AS created_at,
        make_timestamp(published_us) AS published_at,
        make_timestamp(removed_us) AS removed_at,
        $reason_names[reason_f + 1] AS removal_reason,
        $channel_names[channel_f + 1] AS detection_channel,
        make_timestamp(sale_us) AS first_sale_at,
        {dsa_fields.listing_columns(r)}
    FROM lc
    """
