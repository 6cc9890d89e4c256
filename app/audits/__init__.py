"""Audits: external security audits of scanners, their scope, progress and findings."""
