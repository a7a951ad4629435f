"""Who may do what: scoped API tokens for machines, role-holding users for the dashboard."""
