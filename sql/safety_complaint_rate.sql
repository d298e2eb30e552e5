-- Complaint rows carry the numerator; exposure rows (channel and issue_type NULL) carry the
-- live listings, so channel and issue_type slices share their parent slice's exposure.
SELECT
    received_day AS day, market, category_l1, seller_tier, channel, issue_type,
    1 AS numerator, 0 AS denominator
FROM complaint_facts
WHERE issue_type = 'product_safety'
UNION ALL
SELECT
    day, market, category_l1, seller_tier,
    CAST(NULL AS VARCHAR) AS channel, CAST(NULL AS VARCHAR) AS issue_type,
    0 AS numerator, live AS denominator
FROM live_exposure
