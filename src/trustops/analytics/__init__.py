"""Aftermath analytics: what an incident cost in customers who quietly leave and in their future value.

clv           customer lifetime value from purchase histories: the BG/NBD purchase model and the
              Gamma-Gamma spend model fitted in-house with scipy (rules.md §12)
events        product events (files or any Ibis backend) as one canonical table on DuckDB or Spark
churn         silent churn: affected users against matched controls, difference-in-differences with
              bootstrap intervals, and the reputational debt (rules.md §11); churn_ltv its LTV part,
              churn_context its cohorts from the store and what it adds about a resolved incident
churn_report  what a churn analysis found, as plain values; churn_html renders it, store keeps it
distrust      lingering distrust: trust-doubt and reliability mentions per month after an incident
trust         the trust index per customer tier, 0-100 by day: incidents drop it, communication cushions
              the drop, stable service heals it; each incident's part explained
"""
