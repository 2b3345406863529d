-- Leads from the website's form, not yet in the CRM. One was typed wrong.
CREATE OR REPLACE TABLE web_leads AS
SELECT * FROM (VALUES
  ('fatima@example.com', 'Fatima Zahra', 'Umbrella'),
  ('not-an-email', 'Gus', NULL),
  ('hana@example.com', 'Hana Sato', 'Acme')
) AS t(email, name, company);
