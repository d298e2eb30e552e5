-- Listings live at the end of each day at the finest listing grain; the exposure behind
-- every "per 10k live listings" rate. Live = published on or before the day and not removed
-- by its end. Built from +1/-1 events and a running sum so it costs one pass over listings;
-- live_base holds the listings already live before the first day computed (empty when
-- computing from the start of the exports).
WITH events AS (
    SELECT published_day AS day, market, category_l1, seller_tier, 1 AS delta
    FROM listing_facts
    WHERE published_day IS NOT NULL
    UNION ALL
    SELECT removed_day AS day, market, category_l1, seller_tier, -1 AS delta
    FROM listing_facts
    WHERE published_day IS NOT NULL AND removed_day IS NOT NULL
),
daily AS (
    SELECT day, market, category_l1, seller_tier, SUM(delta) AS delta
    FROM events
    WHERE day >= (SELECT MIN(day) FROM days)
    GROUP BY day, market, category_l1, seller_tier
),
slice_keys AS (
    SELECT market, category_l1, seller_tier FROM daily
    UNION
    SELECT market, category_l1, seller_tier FROM live_base
),
grid AS (
    SELECT d.day, k.market, k.category_l1, k.seller_tier
    FROM days AS d
    CROSS JOIN slice_keys AS k
)
SELECT
    g.day, g.market, g.category_l1, g.seller_tier,
    COALESCE(b.live, 0) + SUM(COALESCE(daily.delta, 0)) OVER (
        PARTITION BY g.market, g.category_l1, g.seller_tier
        ORDER BY g.day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS live
FROM grid AS g
LEFT JOIN daily
    ON daily.day = g.day AND daily.market = g.market
    AND daily.category_l1 = g.category_l1 AND daily.seller_tier = g.seller_tier
LEFT JOIN live_base AS b
    ON b.market = g.market AND b.category_l1 = g.category_l1 AND b.seller_tier = g.seller_tier
