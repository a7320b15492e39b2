"""Campaigns: province tallies, the dashboard, exports and the nightly rollup (a sub-domain of maps)."""
