"""Reports for people who were not in the incident room: one executive page per incident (issue #10)."""
