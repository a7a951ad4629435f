CSP_SCRIPT_SRC = (
    "'self'",
    "https://www.googletagmanager.com",
    "https://www.google-analytics.com",
    "https://cdn.optimizely.com",
)
