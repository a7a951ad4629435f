"""The design anti-pattern audit: blaming error messages, excessive data collection, silent jobs,
tracker-bound core features and opaque retention, found in code, pages and HAR recordings."""
