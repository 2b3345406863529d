-- Scores every Salesforce Lead from what the store knows about the person and the company (PostgreSQL).
-- Reads sf_leads and bc_customers (written by the two syncs before this step); rebuilds lead_scores.
--   10  every lead
--  +30  the lead's email is a BigCommerce customer: the person already buys from the store
--  +20  ... and that customer is in a customer group (customer_group_id > 0: B2B / wholesale pricing)
--  +15  someone else at the same company is a customer
--  +15  sales is working the lead (Status 'Working - Contacted')
--  -10  a free-mail address (no company domain)
DROP TABLE IF EXISTS lead_scores;
CREATE TABLE lead_scores AS
WITH customers AS (
  SELECT lower(email) AS email, lower(company) AS company, customer_group_id FROM bc_customers
)
SELECT
  l."Id",
  l."Email" AS email,
  10
  + CASE WHEN c.email IS NOT NULL THEN 30 ELSE 0 END
  + CASE WHEN c.customer_group_id > 0 THEN 20 ELSE 0 END
  + CASE WHEN EXISTS (
      SELECT 1 FROM customers o WHERE o.company = lower(l."Company") AND o.email <> lower(coalesce(l."Email", ''))
    ) THEN 15 ELSE 0 END
  + CASE WHEN l."Status" = 'Working - Contacted' THEN 15 ELSE 0 END
  - CASE WHEN split_part(lower(l."Email"), '@', 2) IN ('gmail.com', 'yahoo.com', 'outlook.com', 'hotmail.com') THEN 10 ELSE 0 END
  AS score
FROM sf_leads l
LEFT JOIN customers c ON c.email = lower(l."Email");
