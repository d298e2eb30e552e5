-- Sellers with a removal on the day (counted once per slice); in the numerator when the
-- seller had a removal on an earlier day within the prior 90 days, anywhere on the platform.
WITH removals AS (
    SELECT seller_id, removed_day AS day, market, category_l1, seller_tier
    FROM listing_facts
    WHERE removed_day IS NOT NULL
),
seller_days AS (
    SELECT DISTINCT seller_id, day FROM removals
),
flagged AS (
    SELECT
        seller_id, day,
        LAG(day) OVER (PARTITION BY seller_id ORDER BY day) AS previous_day
    FROM seller_days
)
SELECT
    r.day, r.market, r.category_l1, r.seller_tier,
    r.seller_id AS entity,
    (f.previous_day IS NOT NULL AND f.previous_day >= r.day - INTERVAL '90' DAY) AS in_numerator
FROM removals AS r
JOIN flagged AS f ON f.seller_id = r.seller_id AND f.day = r.day
