"""SQL for the listings: who lists what where, and each listing's lifecycle.

`lifecycle_sql` turns base rows (index, seller, tier, market, category, creation time and
optional incident overrides) into the table `lc`: publication, violation, how and when it is
found, removal and first sale, all as epoch microseconds and small integer codes. The
complaint, appeal and traffic SQL read `lc`; `listings_output_sql` maps it to the contract.
Times past the export end are cut (set to NULL) only at the end, so a listing whose removal
falls after the end is simply still live. Parameters ($name) come from the generator.
"""

from __future__ import annotations

from sample_data.catalog import (
    CATEGORIES,
    MARKETS,
    MODEL_SHARE,
    PROACTIVE_SHARE,
    REACTIVE_CHANNELS,
    TIER_MIX_BY_SIZE,
    TIERS,
    UNDETECTED,
)
from sample_data.sqlrand import SqlRandom, choice, lookup, nested_choice

# Sellers list mostly in their home market and their main category.
HOME_MARKET_SHARE = 0.85
FOCUS_CATEGORY_SHARE = 0.70
NO_SUBCATEGORY = 0.02
# Extra decision time (median hours) of complaints received during the review backlog.
BACKLOG_HOURS = 60.0
# Regulated listings held for manual review before publication.
HELD_FOR_REVIEW = 0.25


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


def _reason_weights() -> list[list[float]]:
    # Category mixes exclude missing_qualification (code 5), which comes from certificates.
    return [list(c.reasons[:5]) + [0.0] + [c.reasons[5]] for c in CATEGORIES]


def lifecycle_sql(r: SqlRandom, source: str) -> str:
    """SELECT producing the `lc` rows for the base rows of `source` (a table name)."""
    cats, tiers = CATEGORIES, TIERS
    regulated = lookup("c", [c.regulated for c in cats])
    p_missing = (
        f"{lookup('c', [c.missing_certs for c in cats])} * "
        f"{lookup('tier', [t.cert_risk for t in tiers])} * "
        "(CASE WHEN c = $rule_cat AND created_us >= $rule_us THEN 3.0 ELSE 1.0 END)"
    )
    p_violation = (
        f"coalesce(ov_pv, {lookup('tier', [t.violation for t in tiers])} * "
        f"{lookup('c', [c.risk for c in cats])} * {lookup('m', [m.risk for m in MARKETS])})"
    )
    reason_mix = nested_choice("c", "u_reason", _reason_weights())
    p_pro = f"coalesce(ov_ppro, {lookup('reason', PROACTIVE_SHARE)})"
    p_model = f"{p_pro} * {lookup('reason', MODEL_SHARE)}"
    reactive = nested_choice("reason", "u_rch", REACTIVE_CHANNELS)
    pub_median = f"CASE WHEN regulated AND u_held < {HELD_FOR_REVIEW} THEN 18.0 ELSE 0.5 END"
    pub_sigma = f"CASE WHEN regulated AND u_held < {HELD_FOR_REVIEW} THEN 0.8 ELSE 1.1 END"
    outage = "t_det BETWEEN $out_s AND $out_e"
    dec_median = lookup("channel - 2", [30.0, 7.0, 5.0, 12.0])
    dec_sigma = lookup("channel - 2", [0.70, 0.65, 0.65, 0.60])
    backlog = "(m = $bl_m AND recv_us BETWEEN $bl_s AND $bl_e)"
    k = "idx"
    return f"""
    SELECT
        idx, seller_key, tier, m, c, l2, regulated,
        CASE WHEN regulated THEN NOT missing END AS has_certs,
        created_us,
        CASE WHEN NOT prepub AND pub_us <= $end_us THEN pub_us END AS published_us,
        CASE WHEN rem_us <= $end_us THEN rem_us END AS removed_us,
        CASE WHEN rem_us <= $end_us THEN CASE WHEN fp THEN 2 ELSE reason END END AS reason_f,
        CASE WHEN rem_us <= $end_us THEN CASE WHEN fp THEN 0 ELSE channel END END AS channel_f,
        CASE WHEN NOT prepub AND sells AND sale_us <= $end_us
             AND (rem_us IS NULL OR sale_us < rem_us) THEN sale_us END AS sale_us,
        reason, reason IS NOT NULL AS viol, cls, rem_us AS planned_removal_us, channel,
        recv_us, dec_us, ov_dup, fp, prepub
    FROM (
        SELECT *,
            CASE WHEN fp THEN fp_us WHEN cls < 2 THEN t_det WHEN cls = 2 THEN dec_us END AS rem_us
        FROM (
            SELECT *,
                recv_us + {r.lognormal_us(k, "complaint.decision", dec_median, dec_sigma)}
                    + CASE WHEN {backlog}
                      THEN {r.lognormal_us(k, "complaint.backlog", BACKLOG_HOURS, 0.4)} ELSE 0 END
                    AS dec_us,
                reason IS NULL AND u_fp < $fp_p AND pub_us < fp_us AND NOT prepub AS fp
            FROM (
                SELECT *,
                    CASE WHEN cls = 2 THEN pub_us + {
        r.lognormal_us(k, "complaint.delay", "coalesce(ov_react_h, 96.0)", 1.1)
    } END AS recv_us,
                    CASE cls WHEN 0 THEN 0 WHEN 1 THEN 1 WHEN 2 THEN 2 + {reactive} END
                        AS channel,
                    $fp_s + CAST({r.u(k, "fp.time")} * ($fp_e - $fp_s) AS BIGINT) AS fp_us
                FROM (
                    SELECT * REPLACE (
                        CASE WHEN hit THEN 2 ELSE cls END AS cls,
                        coalesce(prepub AND NOT hit, false) AS prepub)
                    FROM (
                        SELECT *,
                            coalesce((cls = 0 AND {outage})
                                OR (cls = 1 AND {outage} AND u_outrev < 0.6), false) AS hit
                        FROM (
                            SELECT *,
                                CASE WHEN prepub THEN created_us + {
        r.lognormal_us(k, "detect.block", 0.3, 1.0)
    }
                                     WHEN cls = 0 THEN pub_us + {
        r.lognormal_us(k, "detect.model", 6.0, 1.4)
    }
                                     WHEN cls = 1 THEN pub_us + {
        r.lognormal_us(k, "detect.review", 36.0, 0.9)
    }
                                END AS t_det
                            FROM (
                                SELECT *,
                                    CASE WHEN reason IS NULL THEN NULL
                                         WHEN u_det < {p_model} THEN 0
                                         WHEN u_det < {p_pro} THEN 1
                                         WHEN u_det < {1 - UNDETECTED} THEN 2
                                         ELSE 3 END AS cls,
                                    coalesce(u_det < {p_model} AND u_pre < CASE WHEN reason = 5
                                        THEN 0.9 ELSE 0.55 END, false) AS prepub,
                                    pub_us + {r.lognormal_us(k, "sale.delay", 120.0, 1.5)}
                                        AS sale_us
                                FROM (
                                    SELECT *,
                                        created_us + {
        r.lognormal_us(k, "publish.delay", pub_median, pub_sigma)
    } AS pub_us,
                                        CAST(CASE WHEN missing THEN 5
                                             WHEN u_viol < {p_violation}
                                             THEN coalesce(ov_reason, {reason_mix})
                                             END AS TINYINT) AS reason
                                    FROM (
                                        SELECT *,
                                            {regulated} AS regulated,
                                            {regulated} AND u_cert < {p_missing} AS missing,
                                            u_sold < {lookup("tier", [t.sells for t in tiers])}
                                                AS sells,
                                            CASE WHEN u_nol2 >= {NO_SUBCATEGORY} THEN
                                                CAST(floor({_l2_count("c")}
                                                    * pow(u_l2, 1.6)) AS TINYINT) END AS l2
                                        FROM (
                                            SELECT *,
                                                {_uniforms(r, k)}
                                            FROM {source}
                                        )
                                    )
                                )
                            )
                        )
                    )
                )
            )
        )
    )
    """


def _uniforms(r: SqlRandom, key: str) -> str:
    names = (
        "cert", "viol", "reason", "det", "pre", "rch", "held", "outrev", "fp", "sold", "nol2", "l2",
    )  # fmt: skip
    return ",\n".join(f"{r.u(key, 'listing.' + n)} AS u_{n}" for n in names)


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


def listings_output_sql() -> str:
    """The contract's listings columns from `lc`, in listing order."""
    return """
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
        make_timestamp(sale_us) AS first_sale_at
    FROM lc
    """
