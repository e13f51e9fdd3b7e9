"""The admin server: station API, utilization pages, roles, audit log."""
