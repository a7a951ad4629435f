#!/bin/sh
# Runs one pipeline; cron entries call it. Not a crontab.
# 0 5 * * * is the usual slot for orders.
set -eu
exec /opt/etl/venv/bin/etl run "$1"
