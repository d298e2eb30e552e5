"""SQL for complaints, appeals and traffic, all derived from the listing lifecycles in `lc`.

Complaints come from two sources. Valid ones are the notices that found a violation the
proactive systems missed (`lc.cls = 2`), plus a few duplicates; they are upheld and the
listing comes down at the decision. The bulk are complaints about compliant live listings,
drawn per day in proportion to live stock and order volume (so they rise on festival days
with orders) and mostly rejected; a share of misleading/other ones is upheld, meaning the
listing was corrected rather than removed.
"""

from __future__ import annotations

from sample_data import dsa_fields
from sample_data.catalog import CATEGORIES, DECISION_HOURS, MARKETS, OVERTURN_BY_CHANNEL, TIERS
from sample_data.listings_sql import BACKLOG_HOURS, BACKLOG_SIGMA
from sample_data.sqlrand import SqlRandom, choice, lookup, nested_choice

US_PER_DAY = 86_400_000_000
# Chance of a second and a third notice about the same violation, by complaint channel.
DUPLICATES = ((0.40, 0.20), (0.30, 0.10), (0.15, 0.05), (0.05, 0.0))
# Complaint channel weights (consumer, rights_holder, trusted_flagger, authority) of
# complaints about compliant listings, by issue type code.
NOISE_CHANNELS = (
    (0.98, 0.01, 0.01, 0.000),
    (0.98, 0.01, 0.01, 0.000),
    (0.985, 0.00, 0.01, 0.005),
    (0.985, 0.00, 0.01, 0.005),
    (0.99, 0.00, 0.01, 0.000),
    (0.98, 0.00, 0.01, 0.010),
    (0.99, 0.00, 0.01, 0.000),
)
# Issue types of those complaints: the category's usual violations, misleading, other.
NOISE_ISSUES = (0.30, 0.38, 0.29)
# Chance that a consumer complains about a violating listing while it waits for removal
# by the proactive model or review (it was flagged first, so detection stays proactive).
CONCURRENT = {0: 0.10, 1: 0.35}
# Complaints that get stuck in review for weeks, the steady overdue backlog, by complaint
# channel (consumer, rights_holder, trusted_flagger, authority): authority orders are
# escalated and never left lying.
STUCK = (0.004, 0.002, 0.002, 0.0)
NOT_INFORMED = 0.02
# Median hours from a removal to its appeal and from the appeal to its decision (log-normal
# with these sigmas): the sellers of compliant listings removed by a bad rule appeal sooner
# and are heard sooner than the others.
APPEAL_FILING_HOURS = 30.0
FP_APPEAL_FILING_HOURS = 10.0
APPEAL_FILING_SIGMA = 1.0
APPEAL_DECISION_HOURS = 60.0
FP_APPEAL_DECISION_HOURS = 36.0
APPEAL_DECISION_SIGMA = 0.7


def _decision_us(r: SqlRandom, key: str, tag: str, channel: str) -> str:
    median = lookup(channel, [h for h, _ in DECISION_HOURS])
    sigma = lookup(channel, [s for _, s in DECISION_HOURS])
    return r.lognormal_us(key, tag, median, sigma)


def complaints_table_sql(r: SqlRandom) -> str:
    """CREATE TABLE cpl: every exported complaint with its rank (rn) by receipt time."""
    reason_weights = [list(c.reasons[:5]) + [0.0] + [c.reasons[5]] for c in CATEGORIES]
    p1 = lookup("channel - 2", [a for a, _ in DUPLICATES])
    p2 = lookup("channel - 2", [b for _, b in DUPLICATES])
    pos = "((q - $complaint_start[d + 1] + u_tod) / $complaints[d + 1])"
    backlog = "CASE WHEN m = $bl_m AND recv BETWEEN $bl_s AND $bl_e THEN {} ELSE 0 END"
    regulated = lookup("l.c", [c.regulated for c in CATEGORIES])
    mix, misleading, other = NOISE_ISSUES
    concurrent = lookup("cls", [CONCURRENT[0], CONCURRENT[1]])
    backlog_delay = r.lognormal_us("key", "noise.backlog", BACKLOG_HOURS, BACKLOG_SIGMA)
    return f"""
    CREATE TABLE cpl AS
    WITH valid AS (
        SELECT 0 AS src, key, idx, m,
            CASE WHEN k = 0 THEN recv_us
                 ELSE recv_us + CAST({r.u("key", "dup.time")} * (dec_us - recv_us) AS BIGINT)
            END AS recv,
            CASE WHEN k = 0 OR {r.u("key", "dup.channel")} < 0.5 THEN channel - 2 ELSE 0 END
                AS ch,
            reason AS issue, dec_us AS dec, 0 AS outcome
        FROM (
            SELECT *, idx * 4 + k AS key
            FROM (SELECT * FROM lc WHERE cls = 2 AND recv_us <= $end_us) AS v, range(3) AS t(k)
            WHERE k < 1 + CAST({r.u("idx", "dup.1")} < {p1} * ov_dup AS INT)
                        + CAST({r.u("idx", "dup.2")} < {p2} * ov_dup AS INT)
        )
    ),
    concurrent AS (
        SELECT 2 AS src, idx AS key, idx, m,
            published_us + CAST({r.u("idx", "concurrent.time")}
                * (planned_removal_us - published_us) AS BIGINT) AS recv,
            0 AS ch, reason AS issue, planned_removal_us AS dec, 0 AS outcome
        FROM lc
        WHERE cls IN (0, 1) AND published_us IS NOT NULL AND NOT fp
          AND {r.u("idx", "concurrent")} < {concurrent}
    ),
    picked AS (
        SELECT q, $day_us[d + 1]
                + CAST(least(greatest({pos} + 0.08 * sin(2.0 * pi() * {pos}), 0.0), 0.999999)
                       * {US_PER_DAY} AS BIGINT) AS recv,
            -- Newer listings draw more complaints than old ones.
            CAST(floor($listing_start[d + 1] * sqrt(u_pick)) AS BIGINT) AS j,
            u_issue, u_mix, u_ch, u_out
        FROM (
            SELECT q, d,
                {r.u("q", "noise.tod")} AS u_tod, {r.u("q", "noise.pick")} AS u_pick,
                {r.u("q", "noise.issue")} AS u_issue, {r.u("q", "noise.mix")} AS u_mix,
                {r.u("q", "noise.channel")} AS u_ch, {r.u("q", "noise.outcome")} AS u_out
            FROM cand
        )
    ),
    noise_issue AS (
        SELECT p.q AS key, p.recv, p.u_ch, p.u_out, l.idx, l.m, l.c,
            CASE WHEN p.u_issue < {mix} THEN {nested_choice("l.c", "p.u_mix", reason_weights)}
                 WHEN p.u_issue < {mix + misleading} THEN 4
                 WHEN p.u_issue < {mix + misleading + other} OR NOT {regulated} THEN 6
                 ELSE 5 END AS issue
        FROM picked AS p JOIN lc AS l ON l.idx = p.j
        WHERE l.published_us <= p.recv AND NOT l.viol
          AND (l.removed_us IS NULL OR l.removed_us > p.recv)
    ),
    noise AS (
        SELECT 1 AS src, key, idx, m, recv, ch, issue,
            recv + {_decision_us(r, "key", "noise.decision", "ch")}
                + {backlog.format(backlog_delay)}
                + CASE WHEN {r.u("key", "noise.stuck")} < {lookup("ch", STUCK)}
                  THEN {r.lognormal_us("key", "noise.stuck_for", 480.0, 0.8)} ELSE 0 END
                AS dec,
            CASE WHEN issue IN (4, 6) THEN {choice("u_out", [0.30, 0.60, 0.10])}
                 ELSE {choice("u_out", [0.0, 0.88, 0.12])} END AS outcome
        FROM (SELECT *, {nested_choice("issue", "u_ch", NOISE_CHANNELS)} AS ch FROM noise_issue)
    ),
    both_sources AS (
        SELECT src, key, idx, m, recv, ch, issue, dec, outcome FROM valid
        UNION ALL
        SELECT src, key, idx, m, recv, ch, issue, dec, outcome FROM noise
        UNION ALL
        SELECT src, key, idx, m, recv, ch, issue, dec, outcome FROM concurrent
    )
    SELECT
        row_number() OVER (ORDER BY recv, src, key) AS rn,
        idx, m, recv, CAST(ch AS TINYINT) AS ch, CAST(issue AS TINYINT) AS issue,
        CASE WHEN dec <= $end_us THEN dec END AS dec,
        CASE WHEN dec <= $end_us THEN CAST(outcome AS TINYINT) END AS outcome,
        CASE WHEN dec <= $end_us AND inf <= $end_us AND u_inf >= {NOT_INFORMED} THEN inf END
            AS inf
    FROM (
        SELECT *,
            dec + {r.lognormal_us("key * 3 + src", "complaint.inform", 2.0, 1.2)} AS inf,
            {r.u("key * 3 + src", "complaint.not_informed")} AS u_inf
        FROM both_sources
        WHERE recv >= $window_us AND recv <= $end_us
          -- The planted export gap: one market's complaints of one day are missing.
          AND NOT (m = $miss_m AND recv BETWEEN $miss_us AND $miss_us + {US_PER_DAY - 1})
    )
    """


def complaints_output_sql(r: SqlRandom) -> str:
    """The contract's complaints columns from `cpl`, in receipt order."""
    return f"""
    SELECT
        'C' || lpad(CAST(rn AS VARCHAR), 10, '0') AS complaint_id,
        'L' || lpad(CAST(idx AS VARCHAR), 10, '0') AS listing_id,
        make_timestamp(recv) AS received_at,
        $complaint_channel_names[ch + 1] AS channel,
        $reason_names[issue + 1] AS issue_type,
        make_timestamp(dec) AS decided_at,
        $complaint_outcome_names[outcome + 1] AS outcome,
        make_timestamp(inf) AS complainant_informed_at,
        {dsa_fields.complaint_columns(r)}
    FROM cpl
    ORDER BY rn
    """


def appeals_table_sql(r: SqlRandom) -> str:
    """CREATE TABLE apl: sellers' appeals against removals, ranked by filing time."""
    appeal = lookup("tier", [t.appeal for t in TIERS])
    overturn = lookup("channel_f", OVERTURN_BY_CHANNEL)
    return f"""
    CREATE TABLE apl AS
    SELECT row_number() OVER (ORDER BY filed, idx) AS rn, idx, filed,
        CASE WHEN dec <= $end_us THEN dec END AS dec,
        CASE WHEN dec <= $end_us THEN CAST(u_over < p_over AS TINYINT) END AS outcome
    FROM (
        SELECT *,
            filed + {
        r.lognormal_us(
            "idx",
            "appeal.decision",
            f"CASE WHEN fp THEN {FP_APPEAL_DECISION_HOURS} ELSE {APPEAL_DECISION_HOURS} END",
            APPEAL_DECISION_SIGMA,
        )
    } AS dec
        FROM (
            SELECT idx, fp,
                removed_us + {
        r.lognormal_us(
            "idx",
            "appeal.filing",
            f"CASE WHEN fp THEN {FP_APPEAL_FILING_HOURS} ELSE {APPEAL_FILING_HOURS} END",
            APPEAL_FILING_SIGMA,
        )
    } AS filed,
                CASE WHEN fp THEN 0.6
                     ELSE {appeal} * CASE WHEN prepub THEN 0.6 ELSE 1.0 END END AS p_app,
                -- Compliant listings removed by the bad rule: most appeals succeed.
                CASE WHEN fp THEN 0.85 ELSE {overturn} END AS p_over,
                {r.u("idx", "appeal.filed")} AS u_app,
                {r.u("idx", "appeal.outcome")} AS u_over
            FROM lc WHERE removed_us IS NOT NULL
        )
        WHERE u_app < p_app AND filed >= $window_us AND filed <= $end_us
    )
    """


APPEALS_OUTPUT_SQL = """
    SELECT
        'A' || lpad(CAST(rn AS VARCHAR), 9, '0') AS appeal_id,
        'L' || lpad(CAST(idx AS VARCHAR), 10, '0') AS listing_id,
        make_timestamp(filed) AS filed_at,
        make_timestamp(dec) AS decided_at,
        $appeal_outcome_names[outcome + 1] AS outcome
    FROM apl
    ORDER BY rn
"""


def traffic_sql(r: SqlRandom) -> str:
    """Views and orders per day x market x category, following live stock and the calendar."""
    n_m, n_c = len(MARKETS), len(CATEGORIES)
    views = lookup("c", [c.views_per_listing for c in CATEGORIES])
    conversion = lookup("c", [c.conversion for c in CATEGORIES])
    engagement = lookup("m", [m.engagement for m in MARKETS])
    key = f"(CAST(d AS BIGINT) * {n_m * n_c} + CAST(m AS BIGINT) * {n_c} + c)"
    return f"""
    WITH deltas AS (
        SELECT m, c, CAST(published_us // {US_PER_DAY} AS BIGINT) AS eday, count(*) AS delta
        FROM lc WHERE published_us IS NOT NULL GROUP BY ALL
        UNION ALL
        SELECT m, c, CAST(removed_us // {US_PER_DAY} AS BIGINT), -count(*)
        FROM lc WHERE published_us IS NOT NULL AND removed_us IS NOT NULL GROUP BY ALL
    ),
    per_day AS (SELECT m, c, eday, sum(delta) AS delta FROM deltas GROUP BY ALL),
    grid AS (
        SELECT d, CAST(day_us // {US_PER_DAY} AS BIGINT) AS eday, in_window,
            order_factor, view_factor, CAST(mm.m AS TINYINT) AS m, CAST(cc.c AS TINYINT) AS c
        FROM days, range({n_m}) AS mm(m), range({n_c}) AS cc(c)
    ),
    live AS (
        SELECT g.*, sum(coalesce(p.delta, 0)) OVER (
                PARTITION BY g.m, g.c ORDER BY g.eday ROWS UNBOUNDED PRECEDING) AS live
        FROM grid AS g LEFT JOIN per_day AS p USING (m, c, eday)
    ),
    viewed AS (
        SELECT *, CAST(round(live * {views} * {engagement} * view_factor
                * exp(0.08 * {r.normal(key, "traffic.views")})) AS BIGINT) AS views
        FROM live WHERE in_window
    )
    SELECT
        CAST(DATE '1970-01-01' + CAST(eday AS INTEGER) AS DATE) AS date,
        $market_names[m + 1] AS market,
        $category_names[c + 1] AS category_l1,
        views,
        CAST(round(views * {conversion} * order_factor / view_factor
            * exp(0.05 * {r.normal(key, "traffic.orders")})) AS BIGINT) AS orders
    FROM viewed
    ORDER BY date, m, c
    """
