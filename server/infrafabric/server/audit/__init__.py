"""Audit service: a durable, tamper-evident Merkle log with signed checkpoints."""
