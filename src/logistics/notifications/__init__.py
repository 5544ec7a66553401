"""Notifications: an outbox of e-mails and SMS written in the caller's transaction and delivered by a job."""
