"""The marketing guard: no cheerful offer to someone who could not log in yesterday."""
