"""Shared kernel: database base and types, clock, money, permissions, audit, outbox."""
