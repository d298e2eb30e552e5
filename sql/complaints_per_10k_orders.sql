-- Complaint rows carry the numerator; traffic rows (channel and issue_type NULL) the orders.
SELECT
    received_day AS day, market, category_l1, channel, issue_type,
    1 AS numerator, 0 AS denominator
FROM complaint_facts
UNION ALL
SELECT
    day, market, category_l1,
    CAST(NULL AS VARCHAR) AS channel, CAST(NULL AS VARCHAR) AS issue_type,
    0 AS numerator, orders AS denominator
FROM traffic_facts
