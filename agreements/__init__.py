"""Invitations, agreements, extension requests, the access gate and the audit trail."""
