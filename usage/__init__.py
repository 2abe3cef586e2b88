"""Interval, daily, monthly and on-demand reads; ingestion, tariffs and costs."""
