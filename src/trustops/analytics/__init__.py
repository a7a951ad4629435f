"""Aftermath analytics: what an incident cost in customers who quietly leave and in their future value.

clv     customer lifetime value from purchase histories: the BG/NBD purchase model and the
        Gamma-Gamma spend model fitted in-house with scipy (rules.md §12)
trust   the trust index per customer tier, 0-100 by day: incidents drop it, communication cushions
        the drop, stable service heals it; each incident's part explained
"""
