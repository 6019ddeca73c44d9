"""Memory service: L1 session context (Redis), L2 semantic memory (ChromaDB) and task checkpoints."""
