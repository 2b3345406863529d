-- A score from what the CRM knows of each contact (Acme is the account we are courting), and the new leads.
SELECT email, name, company,
       CASE WHEN company = 'Acme' THEN 80 WHEN company IS NOT NULL THEN 50 ELSE 20 END AS score
FROM crm_contacts
UNION ALL
SELECT email, name, company, 10 AS score
FROM web_leads
WHERE lower(email) NOT IN (SELECT lower(email) FROM crm_contacts)
ORDER BY email
